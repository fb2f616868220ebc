"""The composition root: the one package that may import every other one.

`bootstrap` wires settings, storage, the command set and the core together; `serve`
adds the platforms; `cli` is the `chapterhouse` command line on top of both.
"""
