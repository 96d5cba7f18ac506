"""Updating the lists: the pipeline that downloads or imports each list, stores a new version
and builds the index (`pipeline`), and update jobs run in the background and followed by the
API, the Sources page and the command line (`jobs`)."""
