"""The one error an upload check raises: what is wrong and how to fix it, in Chinese and
English, and the HTTP status it deserves."""

from __future__ import annotations


class UploadRejected(ValueError):
    """``status``: 400 (bad file), 413 (too big), 422 (malware), 503 (scanner down),
    507 (disk full). A status of 500 or more is the service's fault, not the file's."""

    def __init__(self, zh: str, en: str, status: int = 400) -> None:
        self.zh, self.en, self.status = zh, en, status
        super().__init__(en)

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh
