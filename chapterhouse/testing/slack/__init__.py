"""A fake of Slack's servers on 127.0.0.1, and Slack's requests to the app, signed.

`FakeSlack` is the Web API, `response_url`s, upload URLs and Socket Mode endpoint
the app talks to; `payloads` builds what Slack sends the app; `signing` signs it.
"""

from chapterhouse.testing.slack.fake import Call, FakeSlack
from chapterhouse.testing.slack.payloads import TEAM
from chapterhouse.testing.slack.signing import SIGNING_SECRET, sign, signed_headers

__all__ = ["SIGNING_SECRET", "TEAM", "Call", "FakeSlack", "sign", "signed_headers"]
