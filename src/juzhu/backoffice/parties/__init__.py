"""Relying parties in the back office: an admin officer of a city onboards the schools,
banks and bureaus that verify permits there, issues and revokes their API keys, and
suspends, resumes or withdraws them (``views.py``, ``urls.py``, templates in
``templates/backoffice/parties/``). Every act is a ``juzhu.verification.services`` use case,
the same the ``juzhu verification`` commands call, and is recorded as a ``PartyAction``."""
