import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

MSG_IDLE = "您已长时间未操作，系统已自动退出，请重新登录。"
MSG_ORG_INACTIVE = "您所在的单位已停用，已退出登录。"
_SESSION_KEY = "last_activity"


class IdleTimeoutMiddleware:
    """Log out a session idle longer than SESSION_IDLE_TIMEOUT (000 §2.1.2).

    The request that arrives after the timeout is not carried out: a POST changes nothing and the user
    is sent to the login page with a message.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and request.user.org_id and not request.user.org.is_active:
            logout(request)
            messages.error(request, MSG_ORG_INACTIVE)
            return redirect("login")
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(_SESSION_KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.warning(request, MSG_IDLE)
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            request.session[_SESSION_KEY] = now
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """An initial password is one-time: until it is changed, every page leads to the password change."""

    ALLOWED = ("password_change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.needs_password_change:
            path = request.path
            allowed = [reverse(n) for n in self.ALLOWED]
            if path not in allowed and not path.startswith(settings.STATIC_URL):
                return redirect("password_change")
        return self.get_response(request)
