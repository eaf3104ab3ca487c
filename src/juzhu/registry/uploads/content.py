"""What a file really is, by parsing it — not by its name, its first bytes alone or the
browser's claim. Accepted: JPEG and PNG (decoded in full by Pillow) and PDF (parsed by
pypdf, with no scripts, automatic actions or embedded files). Refused: anything else,
markup hidden in a file (a JPEG/HTML or PNG/SVG polyglot), an archive or program after an
image's end, an image bomb, an encrypted or damaged PDF."""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from juzhu.registry.uploads.errors import UploadRejected

MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSION = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb, not a scan
MAX_PDF_OBJECTS = 50_000
MAX_PDF_PAGES = 300
# Markup a browser would run if it ever sniffed the file as HTML or SVG.
MARKUP = re.compile(
    rb"<\s*(?:script|html|svg|iframe|body|object|embed|form|img|!doctype)[\s/>]|javascript:",
    re.IGNORECASE,
)
# Another file hidden after an image's end.
APPENDED = (b"PK\x03\x04", b"%PDF", b"MZ", b"\x7fELF", b"Rar!", b"7z\xbc\xaf")
# PDF names that run something: scripts, actions on open or on events, launches, embedded
# files, Flash/3D media, XFA forms (which carry scripts).
PDF_ACTIVE = {
    "/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
    "/RichMedia", "/XFA", "/SubmitForm", "/ImportData",
}  # fmt: skip
PDF_ACTIVE_RAW = re.compile(
    rb"/(?:JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])"
)


def _refuse(name: str, zh: str, en: str) -> UploadRejected:
    return UploadRejected(f"文件“{name}”{zh}", f"“{name}” {en}", 400)


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind in MAGIC if data.startswith(magic)), None)


def inspect(data: bytes, name: str) -> str:
    """The content type of ``data`` (a whole upload), or ``UploadRejected`` (400)."""
    kind = sniff(data)
    if kind is None:
        raise _refuse(
            name,
            "的内容不是 JPG、PNG 或 PDF（只改扩展名不行），请上传照片或PDF",
            "is not really a JPG, PNG or PDF (renaming does not change it); upload a photo or a PDF",
        )
    if MARKUP.search(data):
        raise _refuse(
            name,
            "里夹带了网页代码（HTML/SVG/脚本），不能接收；请重新拍照或扫描后上传",
            "carries web code (HTML/SVG/script) inside it and cannot be accepted; "
            "take the photo or scan again",
        )
    if kind == "application/pdf":
        _inspect_pdf(data, name)
    else:
        _inspect_image(data, name, kind)
    return kind


def precheck(data: bytes, name: str) -> None:
    """Cheap checks before the virus scan: an image's size in pixels, from its header only
    (a 400-megapixel PNG of a few kilobytes would keep the scanner busy decoding it)."""
    kind = sniff(data)
    if kind not in PILLOW_FORMAT:
        return
    bomb = _refuse(
        name, "是“解压炸弹”图片，不能接收", "is a decompression bomb and cannot be accepted"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMAT[kind]]) as im:
                pixels = im.width * im.height
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except Exception:
        return  # judged by ``inspect`` after the scan
    if pixels > MAX_PIXELS:
        raise bomb


def _inspect_image(data: bytes, name: str, kind: str) -> None:
    damaged = _refuse(
        name,
        "不是完整的图片（可能已损坏），请重新拍照",
        "is not a complete image (damaged?); take it again",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMAT[kind]]) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise _refuse(
                        name,
                        f"的像素太多（{im.width}×{im.height}），请缩小到4000万像素以内",
                        f"has too many pixels ({im.width}×{im.height}); resize it under 40 megapixels",
                    )
                im.verify()
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMAT[kind]]) as im:
                im.load()  # verify() does not decode a JPEG's pixels; this does
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            name, "是“解压炸弹”图片，不能接收", "is a decompression bomb and cannot be accepted"
        ) from None
    except Exception:
        raise damaged from None
    end = data.rfind(b"\xff\xd9") + 2 if kind == "image/jpeg" else data.find(b"IEND\xaeB`\x82") + 8
    tail = data[end:] if end >= 8 else b""
    if kind == "image/png" and tail.strip(b"\x00"):
        raise _refuse(
            name,
            "在图片结尾之后还有别的数据，不能接收；请重新导出图片",
            "has other data after the image's end and cannot be accepted; export it again",
        )
    if any(sig in tail for sig in APPENDED):
        raise _refuse(
            name,
            "在图片后面藏了另一个文件（压缩包或程序），不能接收",
            "hides another file (an archive or a program) after the image; it cannot be accepted",
        )


def _inspect_pdf(data: bytes, name: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
        found = None if encrypted else _active_content(reader.trailer)
    except UploadRejected:
        raise
    except Exception:
        raise _refuse(
            name,
            "不是完整的PDF（可能已损坏），请重新导出",
            "is not a complete PDF (damaged?); export it again",
        ) from None
    if encrypted:
        raise _refuse(
            name,
            "设置了密码，请去掉密码后再上传",
            "is password-protected; remove the password first",
        )
    if not 1 <= pages <= MAX_PDF_PAGES:
        raise _refuse(
            name,
            f"的页数（{pages}）不在1到{MAX_PDF_PAGES}页之间",
            f"has {pages} pages; between 1 and {MAX_PDF_PAGES} are accepted",
        )
    match = PDF_ACTIVE_RAW.search(data)
    found = found or (match.group().decode("latin-1") if match else None)
    if found:
        raise _refuse(
            name,
            f"含有脚本、自动动作或嵌入文件（{found}），不能接收；请用“打印为PDF”重新生成",
            f"contains a script, an automatic action or an embedded file ({found}); "
            "re-create it with “print to PDF”",
        )


def _active_content(root: Any) -> str | None:
    """The first active name reachable from the trailer (names are decoded by pypdf, so an
    obfuscated ``/J#61vaScript`` is still ``/JavaScript``), or None."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [root]
    count = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        count += 1
        if count > MAX_PDF_OBJECTS:
            raise UploadRejected(
                "PDF结构过于复杂，无法检查", "the PDF is too complex to check", 400
            )
        if isinstance(obj, DictionaryObject):
            for key_name, value in dict.items(obj):
                if str(key_name) in PDF_ACTIVE:
                    return str(key_name)
                if str(key_name) == "/S" and str(value) in {"/JavaScript", "/Launch"}:
                    return str(value)
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None
