"""Issue 12 item 6: a photo's GPS position (and any other metadata) never reaches storage.

A JPEG made with Pillow carries EXIF with a GPS block, a camera model, a
comment and an orientation tag (rotate 90°); after upload the stored file has
no EXIF, no XMP, no comment, and its pixels are turned as the tag said.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from shequtong.boards.models import PostImage

from ..factories import make_post

pytestmark = pytest.mark.django_db

GPS = {  # 31.40 N, 121.49 E: Baoshan
    ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 24.0, 0.0),
    ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (121.0, 29.0, 24.0),
}


def _tagged_photo(fmt: str = "JPEG", name: str = "photo.jpg") -> SimpleUploadedFile:
    """A 40×20 picture, left half red, right half blue, stored with Orientation=6 (show turned 90° clockwise)."""
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Resident's phone X1"
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    buf = io.BytesIO()
    extra = {"comment": b"home address"} if fmt in ("JPEG", "GIF") else {}
    img.save(buf, format=fmt, exif=exif, xmp=b"<x:xmpmeta>lat 31.4</x:xmpmeta>", **extra)
    data = buf.getvalue()
    assert b"PhoneMaker" in data  # the test's own premise: the metadata is really in the upload
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return SimpleUploadedFile(name, data, content_type=f"image/{fmt.lower()}")


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "photo.jpg"), ("PNG", "photo.png"), ("WEBP", "photo.webp")])
def test_uploaded_photo_keeps_no_metadata_and_is_turned_upright(tree, people, fmt, name):
    post = make_post(people.resident, tree.comm_a1, image_files=[_tagged_photo(fmt, name)])
    row = PostImage.objects.get(post=post)
    with row.image.open("rb") as f:
        stored = f.read()
    for secret in (b"PhoneMaker", b"Resident's phone", b"home address", b"xmpmeta", b"Exif\x00\x00"):
        assert secret not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert not img.getexif()  # no EXIF at all: no GPS, no camera, no orientation left to apply twice
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment"} & set(img.info)
        assert img.size == (20, 40)  # orientation applied: the picture is now upright
        rgb = img.convert("RGB")
        top, bottom = rgb.getpixel((10, 5)), rgb.getpixel((10, 35))
        assert top[0] > 200 and top[2] < 60        # red on top after the 90° turn clockwise
        assert bottom[2] > 200 and bottom[0] < 60  # blue below
    assert (row.width, row.height) == (20, 40)


def test_animated_gif_keeps_its_frames_and_loses_its_comment(tree, people):
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0,
                   comment=b"home address")
    with Image.open(io.BytesIO(buf.getvalue())) as original:
        assert original.n_frames == 3 and original.info["comment"] == b"home address"
    upload = SimpleUploadedFile("a.gif", buf.getvalue(), content_type="image/gif")
    post = make_post(people.resident, tree.comm_a1, image_files=[upload])
    with PostImage.objects.get(post=post).image.open("rb") as f:
        stored = f.read()
    assert b"home address" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.n_frames == 3 and "comment" not in img.info
