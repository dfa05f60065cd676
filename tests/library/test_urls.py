"""The normal form of addresses (library/urls.py)."""

from __future__ import annotations

import pytest

from library.urls import UnsupportedURL, check_feed_url, duplicate_key, normalise_url


@pytest.mark.parametrize("given, normal", [
    ("HTTP://Example.ORG", "http://example.org/"),
    ("https://bücher.example/é?q=ü#part", "https://xn--bcher-kva.example/%C3%A9?q=%C3%BC"),
    ("https://straße.example/", "https://xn--strae-oqa.example/"),  # IDNA 2008, not "strasse"
    ("http://example.org:80/a", "http://example.org/a"),
    ("https://example.org:8443/a%20b", "https://example.org:8443/a%20b"),
    ("http://[::1]:8080/feed", "http://[::1]:8080/feed"),
    ('http://example.org/"quoted"<x>', "http://example.org/%22quoted%22%3Cx%3E"),
])
def test_addresses_have_one_normal_form(given, normal):
    assert check_feed_url(given) == normal
    assert check_feed_url(normal) == normal


@pytest.mark.parametrize("given, reason", [
    ("https://example.org/\u202egpj.exe", "control or bidirectional-text characters"),
    ("https://example.org/\u2066x", "control or bidirectional-text characters"),
    ("https://example.org/\x9b2J", "control or bidirectional-text characters"),
    ("https://example.org/a b", "spaces"),
    ("https://example.org:99999/", "invalid port"),
    ("file:///etc/passwd", "only http and https"),
    ("/etc/hostname", "local paths"),
])
def test_deceptive_or_unfetchable_addresses_are_refused(given, reason):
    with pytest.raises(UnsupportedURL, match=reason) as error:
        check_feed_url(given)
    assert str(error.value).isascii() and str(error.value).isprintable()


def test_spaces_in_enclosure_addresses_are_encoded():
    assert normalise_url("https://cdn.example/My Show 1.mp3", spaces=True) == \
        "https://cdn.example/My%20Show%201.mp3"


def test_http_and_https_are_one_subscription_key():
    assert duplicate_key("http://example.org/feed/") == duplicate_key("https://example.org/feed")
