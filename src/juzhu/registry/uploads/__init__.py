"""Uploaded files, checked before anything is kept (security.md T9, T21).

Every upload (the portal's application materials and appeal evidence, the back office's
evidence for a cancellation) goes through ``check_upload``:

1. its size, already capped while the request streamed in (``handler.py``: nothing past the
   limit is read, the answer is 413);
2. its name: only ever shown, never used on disk (files are named by a server-made id); a
   name whose last extension is not .jpg/.jpeg/.png/.pdf (``a.jpg.exe``) is refused;
3. a virus scan by clamd (``scan.py``), fail-closed in production;
4. its content, by really parsing it (``content.py``): Pillow decodes an image, pypdf walks
   a PDF and refuses scripts, auto-actions and embedded files; HTML/SVG inside a file
   (a polyglot) and bytes after the image's end are refused.

``write_atomically`` then writes it to a temporary file beside the target, fsyncs and
renames it; on any error (a full disk: 507) the temporary file is removed.
"""

from __future__ import annotations

from juzhu.registry.uploads.check import check_upload, display_name
from juzhu.registry.uploads.errors import UploadRejected
from juzhu.registry.uploads.store import write_atomically

__all__ = ["UploadRejected", "check_upload", "display_name", "write_atomically"]
