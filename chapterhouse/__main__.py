"""`python -m chapterhouse` runs the command line, as the installed script does."""

from chapterhouse.cli import main

main()
