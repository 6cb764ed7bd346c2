"""Standard Webhooks signing: what the grid signs, we verify; anything altered or stale is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from shequtong.integrations import webhooks

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
BODY = b'{"service_request_id": "1001", "status": "CLOSED"}'


def test_signature_is_hmac_sha256_over_id_timestamp_body_in_base64():
    h = webhooks.headers(SECRET, BODY, msg_id="msg_1", timestamp=1_700_000_000)
    expected = base64.b64encode(hmac.new(b"k" * 32, b"msg_1.1700000000." + BODY, hashlib.sha256).digest()).decode()
    assert h == {"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": f"v1,{expected}"}


def test_a_fresh_authentic_message_verifies():
    h = webhooks.headers(SECRET, BODY, msg_id="msg_2", timestamp=1_700_000_000)
    assert webhooks.verify(SECRET, h, BODY, now=1_700_000_100) == "msg_2"


def test_any_of_several_signatures_may_match_during_secret_rotation():
    h = webhooks.headers(SECRET, BODY, msg_id="msg_3", timestamp=1_700_000_000)
    h["webhook-signature"] = "v1,bm9wZQ== " + h["webhook-signature"]
    assert webhooks.verify(SECRET, h, BODY, now=1_700_000_000) == "msg_3"


@pytest.mark.parametrize("change", ["body", "id", "timestamp", "secret", "version", "missing"])
def test_tampering_is_refused(change):
    h = webhooks.headers(SECRET, BODY, msg_id="msg_4", timestamp=1_700_000_000)
    body, secret = BODY, SECRET
    if change == "body":
        body = BODY.replace(b"CLOSED", b"OPEN")
    elif change == "id":
        h["webhook-id"] = "msg_5"
    elif change == "timestamp":
        h["webhook-timestamp"] = "1700000001"
    elif change == "secret":
        secret = "whsec_" + base64.b64encode(b"x" * 32).decode()
    elif change == "version":
        h["webhook-signature"] = h["webhook-signature"].replace("v1,", "v2,")
    else:
        del h["webhook-signature"]
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(secret, h, body, now=1_700_000_000)


def test_outside_the_five_minute_window_is_refused_both_ways():
    h = webhooks.headers(SECRET, BODY, msg_id="msg_6", timestamp=1_700_000_000)
    assert webhooks.verify(SECRET, h, BODY, now=1_700_000_000 + 300) == "msg_6"
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(SECRET, h, BODY, now=1_700_000_000 + 301)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(SECRET, h, BODY, now=1_700_000_000 - 301)
