"""Who may do what, where. Every back-office view is declared with ``office_view(action)``:
the action names the roles allowed (``ACTIONS``); the officer's jurisdiction scopes every
read through ``juzhu.registry.selectors`` (``access_*`` for one record, ``scoped`` for
lists). Outside the role → 403; outside the jurisdiction → 404, as if the record did not
exist. Both are written to ``Denial`` for the auditor.

The authorisation matrix test (tests/integration/test_office_matrix.py) walks every URL of
this app with the attributes the decorator leaves on the view, so a new view cannot escape
it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, Protocol, cast

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import render

from juzhu.backoffice.auth import session_alive
from juzhu.backoffice.models import Denial
from juzhu.domain.vocabulary import Role
from juzhu.registry.models import Officer
from juzhu.registry.selectors import NotFound, Viewer

log = logging.getLogger("juzhu.office")

ROLES = tuple(Role)
ALL_CASEWORK = frozenset({"clerk", "reviewer", "supervisor", "auditor"})
ACTIONS: dict[str, frozenset[str]] = {
    # read: queues, case detail, search, dashboards, letters (auditors read everything)
    "view": ALL_CASEWORK,
    "claim": frozenset({"clerk", "reviewer", "supervisor"}),
    # the acceptance point: check materials, accept, one-time notice, 容缺, counter intake
    "accept": frozenset({"clerk", "supervisor"}),
    # the county bureau: approve or refuse, production, ready for pickup
    "decide": frozenset({"reviewer", "supervisor"}),
    # hand the card over at the window, identity checked
    "handover": frozenset({"clerk", "reviewer", "supervisor"}),
    "cancel": frozenset({"reviewer", "supervisor"}),
    "appeal": frozenset({"reviewer", "supervisor"}),
    # 好差评: follow up a poor rating of a finished service and reply to the holder
    "follow_up": frozenset({"clerk", "reviewer", "supervisor"}),
    # who read what: access logs, refused attempts, sign-ins
    "audit": frozenset({"auditor", "supervisor"}),
    # the office directory and working-day overrides; no casework
    "manage": frozenset({"admin"}),
    # any signed-in officer (home page, sign out)
    "any": frozenset(ROLES),
}
WRITE_METHODS = ("POST",)


@dataclass(frozen=True)
class Route:
    """What the matrix test needs to know of a view."""

    action: str
    kind: (
        str | None
    )  # the record the URL's ``pk`` names: application | appeal | permit | person | letter
    methods: tuple[str, ...]


class OfficerRequest(HttpRequest):
    """The request an ``office_view`` view receives: the officer signed in with both
    factors, in the role the action allows, and the ``Viewer`` that scopes their reads."""

    officer: Officer
    viewer: Viewer


P = ParamSpec("P")


class OfficeView(Protocol[P]):
    """A view declared with ``office_view``: called with a plain request, and carrying the
    ``Route`` the matrix test reads."""

    office_route: Route

    def __call__(
        self, request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponseBase: ...


class _OTPUser(Protocol):
    """``request.user`` as django-otp's ``OTPMiddleware`` leaves it."""

    def is_verified(self) -> bool: ...


def officer_of(request: HttpRequest) -> Officer | None:
    """The signed-in officer, only after both factors (password + TOTP), within the
    session's idle and absolute limits."""
    user = request.user
    if not user.is_authenticated or not cast(_OTPUser, user).is_verified():
        return None
    if not session_alive(request):  # idle 15 min or signed in 8 h ago: signed out
        return None
    try:
        return Officer.objects.get(user=user)
    except Officer.DoesNotExist:
        return None


def deny(request: HttpRequest, action: str, why: str, officer: Officer) -> None:
    Denial.objects.create(
        user_id=officer.user_id,  # the signed-in user: ``officer_of`` found the officer by it
        city=officer.city,
        action=action,
        method=request.method or "",
        path=request.get_full_path()[:300],
        why=why,
    )
    log.warning(
        "refused %s %s (%s) for user %s", request.method, request.path, why, request.user.pk
    )


def office_view(
    action: str, *, kind: str | None = None, methods: tuple[str, ...] = ("GET",)
) -> Callable[[Callable[Concatenate[OfficerRequest, P], HttpResponseBase]], OfficeView[P]]:
    roles = ACTIONS[action]

    def wrap(view: Callable[Concatenate[OfficerRequest, P], HttpResponseBase]) -> OfficeView[P]:
        @functools.wraps(view)
        def run(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            officer = officer_of(request)
            if officer is None:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if request.method not in methods and not (
                request.method == "HEAD" and "GET" in methods
            ):
                return HttpResponseNotAllowed(methods)
            if officer.role not in roles:
                deny(request, action, "role", officer)
                return render(
                    request,
                    "backoffice/denied.html",
                    {"officer": officer, "action": action, "roles": sorted(roles)},
                    status=403,
                )
            # The request becomes an OfficerRequest by the two attributes set here.
            office_request = cast(OfficerRequest, request)
            office_request.officer = officer
            office_request.viewer = Viewer.of_officer(officer)
            try:
                return view(office_request, *args, **kwargs)
            except NotFound:
                deny(request, action, "scope", officer)
                raise Http404("没有这条记录，或它不在你的辖区内") from None

        # The view becomes an OfficeView by the attribute set here.
        routed = cast("OfficeView[P]", run)
        routed.office_route = Route(action, kind, methods)
        return routed

    return wrap


def can(officer: Officer, action: str) -> bool:
    return officer.role in ACTIONS[action]
