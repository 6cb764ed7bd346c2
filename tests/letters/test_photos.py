"""Issue 14 item 4: photos on 人民信箱 letters, checked by content, stripped of EXIF, shown to those who may read."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from shequtong.accounts.roles import Role
from shequtong.common.errors import ValidationFailed
from shequtong.letters.models import LetterPhoto

from ..cases import helpers
from ..factories import image_upload, make_with_role, resident_of

pytestmark = pytest.mark.django_db


def _jpeg_with_gps(name: str = "street.jpg") -> SimpleUploadedFile:
    img = Image.new("RGB", (64, 48), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x010E] = "GPS 31.40N 121.49E"  # ImageDescription: where it was taken
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def test_a_letter_keeps_its_photos_without_exif(tree):
    resident = resident_of(tree.comm_a1)
    upload = _jpeg_with_gps()
    assert b"PhoneMaker" in upload.read()
    upload.seek(0)
    from shequtong.letters import services

    letter = services.submit_letter(actor=resident, community=tree.comm_a1, category="construction",
                                    subcategory_ids=[helpers.subcategory().pk], content="南门地砖松动，老人容易绊倒。",
                                    photos=[upload, image_upload("b.png")])
    photos = list(letter.photos.all())
    assert len(photos) == 2 and photos[0].width == 64
    stored = photos[0].image.open("rb").read()
    assert b"PhoneMaker" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_a_file_named_like_an_image_but_not_one_is_refused_and_nothing_is_written(tree):
    resident = resident_of(tree.comm_a1)
    fake = SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho not an image\n", content_type="image/jpeg")
    from shequtong.letters import services
    from shequtong.letters.models import Letter

    with pytest.raises(ValidationFailed, match="只能上传"):
        services.submit_letter(actor=resident, community=tree.comm_a1, category="construction",
                               subcategory_ids=[helpers.subcategory().pk], content="南门地砖松动，老人容易绊倒。",
                               photos=[fake])
    assert not Letter.objects.exists() and not LetterPhoto.objects.exists()


def test_more_than_nine_photos_are_refused(tree):
    resident = resident_of(tree.comm_a1)
    from shequtong.letters import services

    with pytest.raises(ValidationFailed, match="最多上传9张"):
        services.submit_letter(actor=resident, community=tree.comm_a1, category="construction",
                               subcategory_ids=[helpers.subcategory().pk], content="南门地砖松动，老人容易绊倒。",
                               photos=[image_upload(f"{i}.png") for i in range(10)])


def test_the_photos_are_shown_to_the_author_and_the_committee_in_the_case_and_to_no_one_else(client, tree):
    resident = resident_of(tree.comm_a1)
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    outsider = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
    client.force_login(resident)
    response = client.post(reverse("letters:new"), {
        "kind": "problem", "category": "construction", "subcategories": [helpers.subcategory().pk],
        "content": "南门人行道地砖松动，老人容易绊倒。", "photos": [image_upload("a.png"), image_upload("b.png")],
    })
    assert response.status_code == 302
    photo = LetterPhoto.objects.order_by("id").first()
    assert photo is not None
    letter = photo.letter
    assert 'data-testid="letter-photos"' in client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    assert client.get(reverse("letters:photo", args=[photo.pk])).status_code == 200
    client.force_login(staff)
    assert 'data-testid="case-photos"' in client.get(reverse("cases:detail", args=[letter.case_id])).content.decode()
    served = client.get(reverse("letters:photo", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"].startswith("image/")
    client.force_login(outsider)
    assert client.get(reverse("letters:photo", args=[photo.pk])).status_code == 404
