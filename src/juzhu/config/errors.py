"""The project's own 404 and 500 pages, in the visitor's language: the language they chose
on the portal (Django's language cookie), else their browser's (Accept-Language), else
Chinese. The 500 page touches neither the database nor the session: it must render when
they are what failed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation

TEXTS = {
    404: {
        "zh": ("找不到这个页面", "地址可能输错了，或者这个页面已经不在了。你填过的内容不受影响。"),
        "en": (
            "Page not found",
            "The address may be mistyped, or the page is no longer here. "
            "Nothing you entered is lost.",
        ),
    },
    500: {
        "zh": (
            "系统出错了",
            "这不是你的操作问题，错误已经记录。刚才这一步没有完成，请稍后再试一次；"
            "急事请联系当地派出所。",
        ),
        "en": (
            "Something went wrong on our side",
            "It is not something you did, and the error has been logged. That last step did "
            "not go through; please try it again in a little while. If it is urgent, contact "
            "your local police station.",
        ),
    },
}
LINKS = {
    "zh": (("/portal/", "居民门户首页"), ("/portal/planner/", "补救规划（不用登录）"), ("/", "居住 juzhu 首页")),
    "en": (("/portal/", "Citizen portal"), ("/portal/planner/", "Remedy planner (no login)"), ("/", "juzhu home")),
}  # fmt: skip


def visitor_lang(request: HttpRequest) -> str:
    code = translation.get_language_from_request(request, check_path=False) or "zh-hans"
    return "en" if code.lower().startswith("en") else "zh"


def _page(
    request: HttpRequest, status: int, texts: dict[str, tuple[str, str]] | None = None
) -> HttpResponse:
    lang = visitor_lang(request)
    title, lead = (texts or TEXTS[status])[lang]
    html = loader.render_to_string(
        "errors/page.html",
        {"lang": lang, "html_lang": "en" if lang == "en" else "zh-Hans", "status": status,
         "title": title, "lead": lead, "links": LINKS[lang]},
    )  # fmt: skip
    response = HttpResponse(html, status=status)
    response["Content-Language"] = "en" if lang == "en" else "zh-Hans"
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500)
