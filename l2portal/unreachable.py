"""Why an HTTP request got no answer, in words for the person reading it: requests' own text is
urllib3's, e.g. "HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url:
/graphql (Caused by NewConnectionError(...))". Pure: requests only."""

from __future__ import annotations

import requests

UNRESOLVED = ("NameResolutionError", "Name or service not known", "nodename nor servname", "getaddrinfo")


def why_unreachable(error: requests.RequestException) -> str:
    if isinstance(error, requests.ConnectTimeout):
        return "no connection within the time allowed (the host is down, or a firewall drops it)"
    if isinstance(error, requests.Timeout):
        return "it took the connection but did not answer in time"
    if isinstance(error, requests.exceptions.SSLError):
        return "its TLS certificate was not accepted"
    if isinstance(error, requests.ConnectionError):
        text = str(error)
        if any(marker in text for marker in UNRESOLVED):
            return "its host name does not resolve (check the address)"
        if "Connection refused" in text:
            return "the connection was refused (is the service running, and on that port?)"
        return "the connection failed (the network or the service is down)"
    if isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return "the address is not a valid URL"
    return f"the request failed ({type(error).__name__})"
