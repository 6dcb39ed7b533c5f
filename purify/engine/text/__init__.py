"""The CLI emitter: the rewritten AST as text in the user's file, for `purify convert` and
`purify.source(Cls)`. One concern per module, in the order the text is built:

* `index`: the user's file: its lines, its nodes by position, its comments;
* `portable`: the stdlib unparser, with the same output on every Python from 3.10 to 3.13;
* `writer`: the unparser that copies untouched code character for character and keeps comments;
* `classes`: a converted class as text (`class_text`, `class_source`);
* `standalone`: the CLI-only rewrites (`_Eager(Cls, ...)`, `Rng`) for a module without purify;
* `copying`: the code copied from purify's own files into the module (helpers, Rng, `_Eager`);
* `imports`: import editing: purify imports dropped, needed ones added, sorted like isort;
* `module`: `convert_module`, the converted file assembled from all of the above.
"""
