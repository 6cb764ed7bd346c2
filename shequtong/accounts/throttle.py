"""Counters with windows in the shared cache: SMS codes and failed logins (issue 12 items 7 and 8).

Each counter is a cache key per fixed window (`<name>:<bucket>`): `add` then `incr`, atomic in
Redis and per process in local memory (development). Losing the cache (Redis down) forgets the
counts: axes' per-account lockout, in the database, still holds.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from shequtong.common import crypto
from shequtong.common.clientip import subnet_of


def _key(name: str, window: int) -> tuple[str, int]:
    bucket = int(time.time()) // window
    # Phones and addresses are personal data: keys hold a keyed hash, never the value.
    return f"throttle:{crypto.blind_index(name, purpose='throttle')[:32]}:{bucket}", window


def count(name: str, window: int) -> int:
    key, _ = _key(name, window)
    return int(cache.get(key) or 0)


def hit(name: str, window: int) -> int:
    """Count one more event in the current window; returns the new count."""
    key, ttl = _key(name, window)
    if cache.add(key, 1, ttl + 5):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, ttl + 5)
        return 1


# --- Failed logins by address --------------------------------------------------------

def _login_names(ip: str | None) -> list[tuple[str, int]]:
    if not ip:
        return []
    return [(f"login-ip:{ip}", settings.LOGIN_FAILURES_PER_IP),
            (f"login-net:{subnet_of(ip)}", settings.LOGIN_FAILURES_PER_SUBNET)]


def login_failed(ip: str | None) -> None:
    for name, _ in _login_names(ip):
        hit(name, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_blocked(ip: str | None) -> bool:
    """Too many failed logins from this address or its /24 in the window: refuse logins from there."""
    return any(count(name, settings.LOGIN_FAILURE_WINDOW_SECONDS) >= limit for name, limit in _login_names(ip))


# --- SMS codes ------------------------------------------------------------------------

HOUR = 3600
MINUTE = 60


def sms_ip_count(ip: str | None) -> int:
    return count(f"sms-ip:{ip}", HOUR) if ip else 0


def sms_refusal(*, phone_index: str, ip: str | None) -> str | None:
    """Why another code may not be sent now (a Chinese message), or None."""
    if count("sms-all", MINUTE) >= settings.SMS_CODES_PER_MINUTE:
        return "验证码发送繁忙，请稍后再试"
    if ip and sms_ip_count(ip) >= settings.SMS_CODES_PER_IP_HOUR:
        return "本网络获取验证码次数过多，请1小时后再试"
    if count(f"sms-phone:{phone_index}", HOUR) >= settings.SMS_CODES_PER_PHONE_HOUR:
        return "该手机号获取验证码次数过多，请1小时后再试"
    return None


def sms_sent(*, phone_index: str, ip: str | None) -> None:
    hit("sms-all", MINUTE)
    hit(f"sms-phone:{phone_index}", HOUR)
    if ip:
        hit(f"sms-ip:{ip}", HOUR)


def sms_needs_captcha(ip: str | None) -> bool:
    return sms_ip_count(ip) >= settings.SMS_CAPTCHA_AFTER_PER_IP


# --- Claiming an imported account (accounts/claim.py) ------------------------------------

def _claim_names(phone_index: str, ip: str | None) -> list[tuple[str, int]]:
    names = [(f"claim-phone:{phone_index}", settings.CLAIM_FAILURES_PER_PHONE_HOUR)]
    if ip:
        names.append((f"claim-ip:{ip}", settings.CLAIM_FAILURES_PER_IP_HOUR))
    return names


def claim_failed(*, phone_index: str, ip: str | None) -> None:
    for name, _ in _claim_names(phone_index, ip):
        hit(name, HOUR)


def claim_locked(*, phone_index: str, ip: str | None) -> bool:
    """Too many refused claims for this phone, or from this address, in the hour: refuse until it ends."""
    return any(count(name, HOUR) >= limit for name, limit in _claim_names(phone_index, ip))
