"""Contract tests of the Tencent Cloud and Alibaba Cloud SMS adapters against the local simulator (NF-6).

The simulator (integrations/sms_simulator.py) checks each provider's documented
signature, parameters and limits; no test reaches the internet.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from shequtong.integrations import exchange, sms
from shequtong.integrations.errors import SmsRejected, SmsUnavailable
from shequtong.integrations.sms_cloud import (
    AliyunSmsGateway,
    TencentSmsGateway,
    rpc_signature,
    rpc_string_to_sign,
    tc3_signature,
    tc3_string_to_sign,
    template_for,
)
from shequtong.integrations.sms_simulator import SmsSimulator

# Every call is written to the delivery log (a table).
pytestmark = pytest.mark.django_db

CODE_TEXT = "【社区通】您的验证码是042137，5分钟内有效。如非本人操作，请忽略本短信。"


@pytest.fixture
def sim() -> Iterator[SmsSimulator]:
    simulator = SmsSimulator()
    simulator.url = simulator.start()  # type: ignore[attr-defined]
    yield simulator
    simulator.stop()


def tencent(sim: SmsSimulator, **kw) -> TencentSmsGateway:  # type: ignore[no-untyped-def]
    options = {"secret_id": "AKIDsimulator", "secret_key": "simulator-secret-key", "sdk_app_id": "1400000000",
               "region": "ap-guangzhou", "sign_name": "宝山社区通", "templates": {"code": "1001", "notice": "1002"},
               "timeout": 5}
    options.update(kw)
    return TencentSmsGateway(sim.url, **options)  # type: ignore[attr-defined]


def aliyun(sim: SmsSimulator, **kw) -> AliyunSmsGateway:  # type: ignore[no-untyped-def]
    options = {"access_key_id": "LTAIsimulator", "access_key_secret": "simulator-access-secret",
               "sign_name": "宝山社区通", "templates": {"code": "SMS_1001", "notice": "SMS_1002"}, "timeout": 5}
    options.update(kw)
    return AliyunSmsGateway(sim.url, **options)  # type: ignore[attr-defined]


def test_the_text_picks_the_template():
    assert template_for(CODE_TEXT) == ("code", "042137")
    assert template_for("【社区通】诉求超时提醒：请尽快处理") == ("notice", "诉求超时提醒：请尽快处理")


def test_tc3_signature_matches_tencents_published_example():
    """The worked example of Tencent Cloud's "Signature v3" page (CVM DescribeInstances, 2019-02-25),
    which signs content-type and host only; the adapter also signs x-tc-action (the same chain)."""
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    date, scope, string_to_sign = tc3_string_to_sign(host="cvm.tencentcloudapi.com", action="DescribeInstances",
                                                     payload=payload, timestamp=1551113065, service="cvm",
                                                     content_type="application/json; charset=utf-8",
                                                     sign_action=False)
    assert date == "2019-02-25" and scope == "2019-02-25/cvm/tc3_request"
    assert string_to_sign.endswith("\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031")
    # The page's final signature uses a secret key it does not print in full; the key derivation
    # (TC3 + key → date → service → tc3_request) is checked against the simulator's own below.
    assert len(tc3_signature("any", date=date, service="cvm", string_to_sign=string_to_sign)) == 64


def test_rpc_signature_matches_alibabas_published_example():
    """The worked example of Alibaba Cloud's RPC "signature mechanism" page (ECS DescribeRegions)."""
    params = {"Timestamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
              "Version": "2014-05-26", "SignatureVersion": "1.0"}
    assert rpc_signature("testsecret", rpc_string_to_sign("GET", params)) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


@pytest.mark.parametrize("make", [tencent, aliyun], ids=["tencent", "aliyun"])
def test_a_code_and_a_notice_reach_the_provider_with_their_templates(sim, make):
    gateway = make(sim)
    with exchange.capture() as calls:
        first = gateway.send("13912345678", CODE_TEXT)
        second = gateway.send("13912345678", "【社区通】诉求超时提醒：请尽快处理")
    assert first and second and first != second
    code, notice = sim.sent
    assert code["phone"].endswith("13912345678") and notice["phone"].endswith("13912345678")
    if code["provider"] == "tencent":
        assert (code["template"], code["params"]) == ("1001", ["042137"])
        assert (notice["template"], notice["params"]) == ("1002", ["诉求超时提醒：请尽快处理"])
    else:
        assert (code["template"], code["params"]) == ("SMS_1001", {"code": "042137"})
        assert (notice["template"], notice["params"]) == ("SMS_1002", {"content": "诉求超时提醒：请尽快处理"})
    # The delivery log has the masked number, never the number or the code.
    logged = json.dumps([c.reference for c in calls], ensure_ascii=False)
    assert "13912345678" not in logged and len(calls) == 2


@pytest.mark.parametrize("make", [tencent, aliyun], ids=["tencent", "aliyun"])
def test_wrong_credentials_are_refused_for_good(sim, make):
    bad = make(sim, secret_key="wrong") if make is tencent else make(sim, access_key_secret="wrong")
    with pytest.raises(SmsRejected, match="SignatureFailure|SignatureDoesNotMatch"):
        bad.send("13912345678", CODE_TEXT)
    unknown = make(sim, secret_id="AKIDnobody") if make is tencent else make(sim, access_key_id="LTAInobody")
    with pytest.raises(SmsRejected, match="SecretIdNotFound|InvalidAccessKeyId"):
        unknown.send("13912345678", CODE_TEXT)
    assert sim.sent == []


@pytest.mark.parametrize("make", [tencent, aliyun], ids=["tencent", "aliyun"])
def test_bad_number_template_or_sign_are_refused_for_good(sim, make):
    with pytest.raises(SmsRejected, match="IncorrectPhoneNumber|MOBILE_NUMBER_ILLEGAL"):
        make(sim).send("12345", CODE_TEXT)
    with pytest.raises(SmsRejected, match="TemplateIncorrectOrUnapproved|SMS_TEMPLATE_ILLEGAL"):
        make(sim, templates={"code": "9999", "notice": "9999"}).send("13912345678", CODE_TEXT)
    with pytest.raises(SmsRejected, match="SignatureIncorrectOrUnapproved|SMS_SIGNATURE_ILLEGAL"):
        make(sim, sign_name="别的签名").send("13912345678", CODE_TEXT)
    assert sim.sent == []


@pytest.mark.parametrize("make", [tencent, aliyun], ids=["tencent", "aliyun"])
def test_rate_limits_and_outages_are_worth_retrying(sim, make):
    sim.per_phone_hour = 2
    gateway = make(sim)
    gateway.send("13912345678", CODE_TEXT)
    gateway.send("13912345678", CODE_TEXT)
    with pytest.raises(SmsUnavailable, match="PhoneNumberOneHourLimit|BUSINESS_LIMIT_CONTROL"):
        gateway.send("13912345678", CODE_TEXT)
    gateway.send("13812345678", CODE_TEXT)  # another number is not limited
    sim.down = True
    with pytest.raises(SmsUnavailable, match="HTTP 503"):
        gateway.send("13700000000", CODE_TEXT)
    sim.down = False
    sim.stop()
    with pytest.raises(SmsUnavailable):
        gateway.send("13700000000", CODE_TEXT)
    assert len(sim.sent) == 3


def test_the_simulator_refuses_a_replayed_tencent_request_after_five_minutes(sim):
    """An old X-TC-Timestamp is refused (AuthFailure.SignatureExpire), whatever its signature."""
    gateway = tencent(sim)
    real_time = time.time
    try:
        time.time = lambda: real_time() - 600  # type: ignore[assignment]
        with pytest.raises(SmsRejected, match="SignatureExpire"):
            # The adapter signs with the shifted clock; the simulator checks it against its own.
            gateway.send("13912345678", CODE_TEXT)
    finally:
        time.time = real_time  # type: ignore[assignment]


def test_the_simulator_refuses_a_reused_alibaba_nonce(sim):
    gateway = aliyun(sim)
    gateway.send("13912345678", CODE_TEXT)
    # Replay the same signed parameters: the nonce was used.
    params = {"AccessKeyId": "LTAIsimulator", "Action": "SendSms", "Format": "JSON", "RegionId": "cn-hangzhou",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "fixed-nonce", "SignatureVersion": "1.0",
              "Timestamp": "2026-12-04T00:00:00Z", "Version": "2017-05-25", "PhoneNumbers": "13912345678",
              "SignName": "宝山社区通", "TemplateCode": "SMS_1001", "TemplateParam": '{"code": "1"}'}
    params["Signature"] = rpc_signature("simulator-access-secret", rpc_string_to_sign("POST", params))
    body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
    first = urllib.request.urlopen(urllib.request.Request(sim.url + "/", data=body))  # type: ignore[attr-defined]  # noqa: S310
    assert json.loads(first.read())["Code"] == "OK"
    with pytest.raises(urllib.error.HTTPError) as replay:
        urllib.request.urlopen(urllib.request.Request(sim.url + "/", data=body))  # type: ignore[attr-defined]  # noqa: S310
    assert replay.value.code == 400 and json.loads(replay.value.read())["Code"] == "SignatureNonceUsed"


def test_a_registration_code_goes_out_through_the_configured_provider(sim, settings):
    """settings.SMS_BACKEND chooses the adapter; the code a resident asks for travels through it."""
    settings.SMS_BACKEND = "shequtong.integrations.sms_cloud.TencentSmsGateway"
    settings.SMS_TENCENT_ENDPOINT = sim.url  # type: ignore[attr-defined]
    settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY = "AKIDsimulator", "simulator-secret-key"
    settings.SMS_TENCENT_SDK_APP_ID = "1400000000"
    settings.SMS_SIGN_NAME = "宝山社区通"
    settings.SMS_TEMPLATE_CODE, settings.SMS_TEMPLATE_NOTICE = "1001", "1002"
    assert isinstance(sms.get_gateway(), TencentSmsGateway)
    from django.test import Client

    response = Client().post("/api/v1/accounts/sms-codes", {"phone": "13912345678", "purpose": "register"},
                             content_type="application/json")
    assert response.status_code in (200, 201, 202), response.content
    (sent,) = sim.sent
    assert sent["template"] == "1001" and len(sent["params"][0]) == 6 and sent["params"][0].isdigit()
