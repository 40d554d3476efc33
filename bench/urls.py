"""The production URLconf plus `/bench/bare`, the baseline every benchmark measures against.

The bare endpoint goes through the same server, WSGI stack and middleware as the real ones
but does no work, so a ratio against it isolates what our code costs.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from leadkeeper.urls import urlpatterns as production


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    request.body  # read the body like a real endpoint would  # noqa: B018
    return JsonResponse({"id": 1}, status=201 if request.method == "POST" else 200)


urlpatterns = [path("bench/bare", bare), *production]
