"""Feed dates: read exactly or not at all (docs/fetch-dates.md).

The table gives, for every string, the instant it names written in the string's own
offset (so the calendar date it states can be checked against the text) and the one
word that says who decides: RFC2822 / RFC822 / RFC850 (mail and RSS), ISO8601 /
RFC3339 / HTML (Atom, JSON Feed, ``<time>``), JS (what ``Date.parse`` of the older
Node system returns), C (``asctime``), POSIX (epoch time), CLDR (the locale patterns
of Unicode CLDR: 年月日, day-first numerals, month names in other languages). ``None``:
the string is not read (the post gets the fetch time and the report says so).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsvault.fetch.dates import MONTHS, parse_date

TABLE: list[tuple[str, str | None, str]] = [
    # --- RFC 822 / 2822 (RSS pubDate), the forms that worked before and still do
    ("Wed, 27 Jan 2021 23:57:20 GMT", "2021-01-27T23:57:20+00:00", "RFC2822"),
    ("Wed, 27 Jan 2021 23:57:20 +0800", "2021-01-27T23:57:20+08:00", "RFC2822"),
    ("Wed, 27 Jan 2021 23:57:20 -0500", "2021-01-27T23:57:20-05:00", "RFC2822"),
    ("Wed, 27 Jan 2021 23:57:20 +0000", "2021-01-27T23:57:20+00:00", "RFC2822"),
    ("Wed, 27 Jan 2021 23:57:20 -0000", "2021-01-27T23:57:20+00:00", "RFC2822"),
    ("Wed, 27 Jan 2021 23:57:20 +0530", "2021-01-27T23:57:20+05:30", "RFC2822"),
    ("Wed, 27 Jan 2021 23:57:20 +0545", "2021-01-27T23:57:20+05:45", "RFC2822"),
    ("Wed, 27 Jan 2021 23:57:20 -0930", "2021-01-27T23:57:20-09:30", "RFC2822"),
    ("Wed, 27 Jan 2021 23:57 GMT", "2021-01-27T23:57:00+00:00", "RFC2822"),
    ("27 Jan 2021 23:57:20 GMT", "2021-01-27T23:57:20+00:00", "RFC2822"),
    ("Wed, 7 Jan 2021 09:05:00 GMT", "2021-01-07T09:05:00+00:00", "RFC2822"),
    ("Wed, 07 Jan 2021 9:05:00 GMT", "2021-01-07T09:05:00+00:00", "RFC2822"),
    ("Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21+00:00", "RFC2822"),
    ("Fri, 18 Oct 2019 17:27:37 +0200", "2019-10-18T17:27:37+02:00", "RFC2822"),
    ("Tue 11 Jan 2011 01:30:00 GMT", "2011-01-11T01:30:00+00:00", "RFC2822"),
    ("wed, 27 jan 2021 10:00:00 gmt", "2021-01-27T10:00:00+00:00", "RFC2822"),
    ("WED, 27 JAN 2021 10:00:00 GMT", "2021-01-27T10:00:00+00:00", "RFC2822"),
    ("Wed,27 Jan 2021 10:00:00 GMT", "2021-01-27T10:00:00+00:00", "RFC2822"),
    (
        "Wed, 27 Jan 2021 10:00:00 GMT (Coordinated Universal Time)",
        "2021-01-27T10:00:00+00:00",
        "RFC2822",
    ),
    ("Wed, 27 Jan 2021 10:00:00 +0800 (CST)", "2021-01-27T10:00:00+08:00", "RFC2822"),
    ("Wed,  27  Jan  2021  10:00:00  GMT", "2021-01-27T10:00:00+00:00", "RFC2822"),
    ("  Wed, 27 Jan 2021 10:00:00 GMT\n", "2021-01-27T10:00:00+00:00", "RFC2822"),
    (
        "Mon, 27 Jan 2021 10:00:00 GMT",
        "2021-01-27T10:00:00+00:00",
        "RFC2822",
    ),  # wrong weekday: the date wins
    ("Sat, 29 Feb 2020 12:00:00 GMT", "2020-02-29T12:00:00+00:00", "RFC2822"),
    ("Fri, 31 Dec 2021 23:59:59 -1200", "2021-12-31T23:59:59-12:00", "RFC2822"),
    ("Sat, 01 Jan 2022 00:00:00 +1400", "2022-01-01T00:00:00+14:00", "RFC2822"),
    ("Wed, 27 Jan 2021 10:00:00 UT", "2021-01-27T10:00:00+00:00", "RFC822"),
    ("Wed, 27 Jan 2021 10:00:00 Z", "2021-01-27T10:00:00+00:00", "RFC822"),
    ("Tue, 2 Aug 2011 01:30:00 EST", "2011-08-02T01:30:00-05:00", "RFC822"),
    ("Tue, 2 Aug 2011 01:30:00 EDT", "2011-08-02T01:30:00-04:00", "RFC822"),
    ("Wed, 27 Jan 2021 10:00:00 CST", "2021-01-27T10:00:00-06:00", "RFC822"),
    ("Wed, 27 Jan 2021 10:00:00 CDT", "2021-01-27T10:00:00-05:00", "RFC822"),
    ("Wed, 27 Jan 2021 10:00:00 MST", "2021-01-27T10:00:00-07:00", "RFC822"),
    ("Wed, 27 Jan 2021 10:00:00 MDT", "2021-01-27T10:00:00-06:00", "RFC822"),
    ("Wed, 27 Jan 2021 10:00:00 PST", "2021-01-27T10:00:00-08:00", "RFC822"),
    ("Wed, 27 Jan 2021 10:00:00 PDT", "2021-01-27T10:00:00-07:00", "RFC822"),
    ("07 Nov 2015 12:00:00 EST", "2015-11-07T12:00:00-05:00", "RFC822"),
    ("Wed, 27 Jan 2021 10:00:00 A", "2021-01-27T10:00:00+00:00", "RFC2822"),  # military: -0000
    ("Wed, 27 Jan 2021 23:57:20 CET", "2021-01-27T23:57:20+01:00", "tzdb"),
    ("Wed, 27 Jan 2021 10:00:00 HKT", "2021-01-27T10:00:00+08:00", "tzdb"),
    ("Wed, 27 Jan 2021 10:00:00 JST", "2021-01-27T10:00:00+09:00", "tzdb"),
    ("Wed, 27 Jan 2021 10:00:00 KST", "2021-01-27T10:00:00+09:00", "tzdb"),
    ("Wed, 27 Jan 2021 10:00:00 SGT", "2021-01-27T10:00:00+08:00", "tzdb"),
    ("Wed, 27 Jan 2021 10:00:00 MSK", "2021-01-27T10:00:00+03:00", "tzdb"),
    # --- the zones that used to be dropped (read as UTC) — item 4
    ("Wed, 27 Jan 2021 10:00:00 +08:00", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 GMT+8", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 UTC+8", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 GMT+08:00", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 GMT+0800", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 UTC-5", "2021-01-27T10:00:00-05:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 GMT-0330", "2021-01-27T10:00:00-03:30", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 -05:00", "2021-01-27T10:00:00-05:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 -07", "2021-01-27T10:00:00-07:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 +08", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed, 27 Jan 2021 10:00:00 +8", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed, 27 Jan 2021 10:00 +0800", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed Jan 27 2021 10:00:00 GMT+0800 (China Standard Time)", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed Jan 27 2021 10:00:00 GMT+0800 (中国标准时间)", "2021-01-27T10:00:00+08:00", "JS"),
    (
        "Wed Jan 27 2021 10:00:00 GMT-0500 (Eastern Standard Time)",
        "2021-01-27T10:00:00-05:00",
        "JS",
    ),
    (
        "Wed Jan 27 2021 10:00:00 GMT+0000 (Coordinated Universal Time)",
        "2021-01-27T10:00:00+00:00",
        "JS",
    ),
    ("Wed Jan 27 2021 10:00:00 GMT+0530 (India Standard Time)", "2021-01-27T10:00:00+05:30", "JS"),
    ("Wed Jan 27 2021 10:00:00 GMT+0800", "2021-01-27T10:00:00+08:00", "JS"),
    ("Wed Jan 27 2021", "2021-01-27T00:00:00+00:00", "JS"),
    ("Jan 27 2021 10:00:00 GMT+0800", "2021-01-27T10:00:00+08:00", "JS"),
    # --- item 5: forms the old fallback turned into other calendar dates
    ("2021年1月27日 10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("2021年01月27日 10:00:30", "2021-01-27T10:00:30+00:00", "CLDR"),
    ("2021年1月27日", "2021-01-27T00:00:00+00:00", "CLDR"),
    ("2021年1月27日 星期三", "2021-01-27T00:00:00+00:00", "CLDR"),
    ("2021年1月27日 星期三 10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("2021年1月27日（三）10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("2021年1月27日 下午3:04", "2021-01-27T15:04:00+00:00", "CLDR"),
    ("2021年1月27日 上午9:30", "2021-01-27T09:30:00+00:00", "CLDR"),
    ("2021年1月27日 上午12:30", "2021-01-27T00:30:00+00:00", "CLDR"),
    ("2021年1月27日 下午12:30", "2021-01-27T12:30:00+00:00", "CLDR"),
    ("2021年1月27日 10时05分", "2021-01-27T10:05:00+00:00", "CLDR"),
    ("2021年1月27日10時05分30秒", "2021-01-27T10:05:30+00:00", "CLDR"),
    ("2021年1月27日 10:00 +0800", "2021-01-27T10:00:00+08:00", "CLDR"),
    ("2021年1月27日 10:00 GMT+8", "2021-01-27T10:00:00+08:00", "CLDR"),
    ("2021 年 1 月 27 日 10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("2021년 1월 27일 오후 3:04", "2021-01-27T15:04:00+00:00", "CLDR"),
    ("2021/01/27 10:00", "2021-01-27T10:00:00+00:00", "JS"),
    ("2021/01/27 10:00:59", "2021-01-27T10:00:59+00:00", "JS"),
    ("2021/1/27", "2021-01-27T00:00:00+00:00", "JS"),
    ("2006/01/02", "2006-01-02T00:00:00+00:00", "JS"),
    ("2021/01/27 10:00 +0800", "2021-01-27T10:00:00+08:00", "JS"),
    ("2021.01.27 10:00", "2021-01-27T10:00:00+00:00", "JS"),
    ("2021.01.27", "2021-01-27T00:00:00+00:00", "CLDR"),
    ("2021.1.27.", "2021-01-27T00:00:00+00:00", "CLDR"),
    ("02-01-2006", None, "CLDR"),  # 2 January or February 1: both exist, neither is read
    ("02/01/2006", None, "CLDR"),
    ("01/02/2006 15:04", None, "CLDR"),
    ("12/31/2020", "2020-12-31T00:00:00+00:00", "JS"),
    ("12/31/2020 11:59 PM", "2020-12-31T23:59:00+00:00", "JS"),
    ("1/27/2021 3:04:05 PM", "2021-01-27T15:04:05+00:00", "JS"),
    ("01/01/2021", "2021-01-01T00:00:00+00:00", "JS"),
    ("31/12/2020", "2020-12-31T00:00:00+00:00", "CLDR"),
    ("27/01/2021 10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("27-01-2021", "2021-01-27T00:00:00+00:00", "CLDR"),
    ("27.01.2021", "2021-01-27T00:00:00+00:00", "CLDR"),
    ("02.01.2006", "2006-01-02T00:00:00+00:00", "CLDR"),  # dots: day first in every locale
    ("27.01.2021 10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("13/13/2021", None, "CLDR"),
    ("1611741600", "2021-01-27T10:00:00+00:00", "POSIX"),
    ("1611741600000", "2021-01-27T10:00:00+00:00", "POSIX"),
    ("1611741600.5", "2021-01-27T10:00:00.500000+00:00", "POSIX"),
    ("999999999", "2001-09-09T01:46:39+00:00", "POSIX"),
    ("2021-01-27 10:00:00 CST", "2021-01-27T10:00:00-06:00", "JS"),
    ("2021-01-27 10:00:00 EST", "2021-01-27T10:00:00-05:00", "JS"),
    ("2021-01-27 10:00:00 UTC", "2021-01-27T10:00:00+00:00", "JS"),
    ("2021-01-27 10:00:00 GMT+0800", "2021-01-27T10:00:00+08:00", "JS"),
    ("20210127T100000Z", "2021-01-27T10:00:00+00:00", "ISO8601"),
    ("20210127T100000+0800", "2021-01-27T10:00:00+08:00", "ISO8601"),
    ("20210127T1000Z", "2021-01-27T10:00:00+00:00", "ISO8601"),
    ("20210127T100000", "2021-01-27T10:00:00+00:00", "ISO8601"),
    ("20210127", "2021-01-27T00:00:00+00:00", "ISO8601"),
    ("Jan 2, 2006 3:04 PM", "2006-01-02T15:04:00+00:00", "JS"),
    ("Jan 2, 2006 3:04 AM", "2006-01-02T03:04:00+00:00", "JS"),
    ("Jan 2, 2006 12:04 AM", "2006-01-02T00:04:00+00:00", "JS"),
    ("Jan 2, 2006 12:04 PM", "2006-01-02T12:04:00+00:00", "JS"),
    ("Jan 2, 2006 3:04pm", "2006-01-02T15:04:00+00:00", "JS"),
    ("Jan 2, 2006 3:04 p.m.", "2006-01-02T15:04:00+00:00", "CLDR"),
    ("2021-01-27 3:04 PM", "2021-01-27T15:04:00+00:00", "JS"),
    ("2021-01-27 13:04 PM", None, "JS"),
    ("Jan 2, 2006 0:04 AM", "2006-01-02T00:04:00+00:00", "JS"),
    ("Jan 2, 2006 0:04 PM", None, "CLDR"),
    ("Posted on 27 Jan 2021 13:00", "2021-01-27T13:00:00+00:00", "JS"),
    ("Published: Wed, 27 Jan 2021 10:00:00 GMT", "2021-01-27T10:00:00+00:00", "JS"),
    ("Updated 2021-01-27T10:00:00Z", "2021-01-27T10:00:00+00:00", "ISO8601"),
    ("发布时间：2021-01-27 10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("发布于 2021年1月27日 10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("Wed, 27 Jan 2021 24:00:00 GMT", "2021-01-28T00:00:00+00:00", "JS"),  # the end of the 27th
    ("2021-01-27T24:00:00Z", "2021-01-28T00:00:00+00:00", "ISO8601"),
    ("2021-01-27T24:00:01Z", None, "ISO8601"),
    ("Wed, 27 Jan 2021 24:30:00 GMT", None, "RFC2822"),
    ("Wed, 27 Jan 2021 25:00:00 GMT", None, "RFC2822"),
    ("Wed, 27 Jan 2021 10:60:00 GMT", None, "RFC2822"),
    ("Wed, 27 Jan 2021 10:00:60 GMT", "2021-01-27T10:00:59+00:00", "RFC2822"),  # leap second
    ("Tue, 30 Nov 2021 10:00:00 GMT", "2021-11-30T10:00:00+00:00", "RFC2822"),
    ("Wed, 31 Nov 2021 10:00:00 GMT", None, "RFC2822"),  # no such day: no date (JS rolls over)
    ("2021-11-31T10:00:00Z", None, "ISO8601"),  # the same rule for ISO
    ("2021-02-29T10:00:00Z", None, "ISO8601"),
    ("29 Feb 2021 10:00 GMT", None, "RFC2822"),
    ("2021-13-01T10:00:00Z", None, "ISO8601"),
    ("2021-00-10", None, "ISO8601"),
    ("0 Jan 2021 10:00 GMT", None, "RFC2822"),
    ("Fri, 27 Jan 50 10:00:00 GMT", "1950-01-27T10:00:00+00:00", "RFC2822"),
    ("Wed, 27 Jan 49 10:00:00 GMT", "2049-01-27T10:00:00+00:00", "RFC2822"),
    ("Wed, 27 Jan 21 10:00:00 GMT", "2021-01-27T10:00:00+00:00", "RFC2822"),
    ("27 Jan 99 10:00 GMT", "1999-01-27T10:00:00+00:00", "RFC2822"),
    ("27 Jan 00 10:00 GMT", "2000-01-27T10:00:00+00:00", "RFC2822"),
    ("27 Jan 121 10:00 GMT", "2021-01-27T10:00:00+00:00", "RFC2822"),  # three digits: +1900
    ("Wednesday, 27-Jan-21 10:00:00 GMT", "2021-01-27T10:00:00+00:00", "RFC850"),
    ("Wed Jan 27 10:00:00 2021", "2021-01-27T10:00:00+00:00", "C"),
    ("Wed Jan  7 10:00:00 2021", "2021-01-07T10:00:00+00:00", "C"),
    ("Wed Jan 27 10:00:00 CST 2021", "2021-01-27T10:00:00-06:00", "POSIX"),  # date(1)
    ("Wed Jan 27 10:00:00 UTC 2021", "2021-01-27T10:00:00+00:00", "POSIX"),
    ("Jan 2, 2006", "2006-01-02T00:00:00+00:00", "JS"),
    ("Jan 2 2006", "2006-01-02T00:00:00+00:00", "JS"),
    ("Jan. 2, 2006", "2006-01-02T00:00:00+00:00", "CLDR"),
    ("January 2, 2006", "2006-01-02T00:00:00+00:00", "JS"),
    ("January 27, 2021 10:00 AM", "2021-01-27T10:00:00+00:00", "JS"),
    ("Wednesday, January 27, 2021", "2021-01-27T00:00:00+00:00", "JS"),
    ("Wednesday, January 27, 2021 at 10:00 AM", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("Sept. 3, 2021", "2021-09-03T00:00:00+00:00", "CLDR"),
    ("January 27th, 2021", "2021-01-27T00:00:00+00:00", "CLDR"),
    ("Jan 27, 2021, 10:00 AM GMT+8", "2021-01-27T10:00:00+08:00", "JS"),
    ("27 January 2021", "2021-01-27T00:00:00+00:00", "JS"),
    ("27 January 2021 10:00", "2021-01-27T10:00:00+00:00", "JS"),
    ("2 Jan 2006 15:04", "2006-01-02T15:04:00+00:00", "JS"),
    ("27. Januar 2021", "2021-01-27T00:00:00+00:00", "CLDR"),
    ("27 janvier 2021 10:00", "2021-01-27T10:00:00+00:00", "CLDR"),
    ("Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24T19:42:40-03:00", "CLDR"),
    ("Qui, 04 Out 2018 08:00:00 -0300", "2018-10-04T08:00:00-03:00", "CLDR"),
    ("mié, 27 ene 2021 10:00:00 +0100", "2021-01-27T10:00:00+01:00", "CLDR"),
    ("Mi, 27 Dez 2021 10:00:00 +0100", "2021-12-27T10:00:00+01:00", "CLDR"),
    ("3:04 PM", None, "JS"),  # a time without a date
    ("10:00", None, "JS"),
    # --- ISO 8601 / RFC 3339 / W3C-DTF / HTML
    ("2021-01-27T23:57:20Z", "2021-01-27T23:57:20+00:00", "RFC3339"),
    ("2021-01-27T23:57:20z", "2021-01-27T23:57:20+00:00", "RFC3339"),
    ("2021-01-27t23:57:20Z", "2021-01-27T23:57:20+00:00", "RFC3339"),
    ("2021-01-27T23:57:20.123+08:00", "2021-01-27T23:57:20.123+08:00", "RFC3339"),
    ("2021-01-27T23:57:20.123456789Z", "2021-01-27T23:57:20.123456+00:00", "RFC3339"),
    ("2021-01-27T23:57:20,5Z", "2021-01-27T23:57:20.500000+00:00", "ISO8601"),
    ("2021-01-27T23:57:20+0800", "2021-01-27T23:57:20+08:00", "ISO8601"),
    ("2021-01-27T23:57:20+08", "2021-01-27T23:57:20+08:00", "ISO8601"),
    ("2021-01-27T23:57:20-07", "2021-01-27T23:57:20-07:00", "ISO8601"),
    ("2021-01-27T23:57:20-00:00", "2021-01-27T23:57:20+00:00", "RFC3339"),
    ("2021-01-27T23:57Z", "2021-01-27T23:57:00+00:00", "ISO8601"),
    ("2021-01-27T23:57:20", "2021-01-27T23:57:20+00:00", "ISO8601"),
    ("2021-01-27 23:57:20", "2021-01-27T23:57:20+00:00", "HTML"),
    ("2021-01-27 23:57", "2021-01-27T23:57:00+00:00", "HTML"),
    ("2021-01-27 23:57:20.5", "2021-01-27T23:57:20.500000+00:00", "HTML"),
    ("2021-01-27 23:57:20 +08:00", "2021-01-27T23:57:20+08:00", "JS"),
    ("2021-01-27", "2021-01-27T00:00:00+00:00", "ISO8601"),
    ("2021-1-7", "2021-01-07T00:00:00+00:00", "JS"),
    ("2016-06-27T07:36:54.007-07:00", "2016-06-27T07:36:54.007-07:00", "RFC3339"),
    ("2026-02-18T02:17:36.670610+00:00", "2026-02-18T02:17:36.670610+00:00", "RFC3339"),
    ("2004-05-25 오후 11:23:17", "2004-05-25T23:23:17+00:00", "CLDR"),
    ("2021-01", None, "ISO8601"),  # a month is not a calendar date
    ("2021", None, "ISO8601"),
    ("2021-W04-3", None, "ISO8601"),  # week dates name no month and day
    ("2021-027", None, "ISO8601"),
    ("2021-01-27T10:00:00+25:00", None, "ISO8601"),
    ("2021-01-27T10:00:00+08:75", None, "ISO8601"),
    ("0001-01-01T00:00:00Z", None, "ISO8601"),  # Go's and .NET's zero time: a placeholder
    ("1899-12-31T00:00:00Z", None, "ISO8601"),
    # --- not dates at all, and near misses that used to be prefix-matched
    ("", None, "JS"),
    ("   ", None, "JS"),
    ("not a date", None, "JS"),
    ("Wed, 27 Foo 2021 10:00:00 GMT", None, "RFC2822"),
    ("Wed, 27 Jan 2021 10:00:00 XYZ", None, "RFC2822"),
    ("Wed, 27 Jan 2021 10:00:00 +800", None, "RFC2822"),
    ("Blursday, 27 Jan 2021 10:00:00 GMT", "2021-01-27T10:00:00+00:00", "JS"),  # a leading word
    ("27 Jan 2021 10:00:00 GMT by the editors", None, "RFC2822"),
    ("03 Apr 02 1500 GMT", None, "RFC822"),  # a time needs a colon
    ("123", None, "POSIX"),
    ("12345678901234", None, "POSIX"),
    ("2021-01-27T10:00:00Z trailing", None, "ISO8601"),
    ("Jan 2021", None, "JS"),
    ("27 Jan", None, "JS"),
    ("On 3 of them, 27 Jan 2021", None, "JS"),
]

_OFFSET_OF = re.compile(r"[+-]\d\d:\d\d$")


def _instant(expected: str) -> datetime:
    return datetime.fromisoformat(expected).astimezone(timezone.utc)


def test_the_table_is_big_and_its_sources_are_words() -> None:
    assert len(TABLE) >= 150
    assert len({text for text, _, _ in TABLE}) == len(TABLE)
    assert all(re.fullmatch(r"[A-Za-z0-9]+", source) for _, _, source in TABLE)


@pytest.mark.parametrize(("text", "expected", "source"), TABLE, ids=[t for t, _, _ in TABLE])
def test_date_table(text: str, expected: str | None, source: str) -> None:
    value = parse_date(text)
    if expected is None:
        assert value is None, source
    else:
        assert value == _instant(expected), source
        assert value.tzinfo is timezone.utc


def _written(text: str, day: datetime) -> bool:
    """Does ``text`` state this calendar date (year, month and day all written in it)?"""
    numbers = {int(n) for n in re.findall(r"\d+", text)}
    for run in re.findall(r"\d{8}", text):  # ISO basic: 20210127
        numbers |= {int(run[:4]), int(run[4:6]), int(run[6:])}
    names = {MONTHS.get(w.lower().rstrip(".")) for w in re.findall(r"[^\W\d_]+", text)}
    year = day.year in numbers or day.year % 100 in numbers or day.year - 1900 in numbers
    return year and day.day in numbers and (day.month in numbers or day.month in names)


@pytest.mark.parametrize(
    ("text", "expected", "source"),
    [row for row in TABLE if row[1] and not row[0].strip().replace(".", "").isdigit()],
    ids=lambda v: v if isinstance(v, str) and not v.startswith("2") else "",
)
def test_no_date_that_is_not_written(text: str, expected: str, source: str) -> None:
    """The calendar date of the instant, in the string's own offset, is written in it
    (24:00 names the next day's midnight; epoch numbers name no calendar date)."""
    local = datetime.fromisoformat(expected)
    if "24:00" in text:
        local -= timedelta(days=1)
    assert _written(text, local), (text, local.date())


# ----------------------------------------------------------------- JavaScript's Date
# Strings the table reads differently from V8's Date.parse, and why newsvault is right.
JS_DIFFERS = {
    "Wed, 31 Nov 2021 10:00:00 GMT": "V8 rolls 31 Nov over to 1 Dec: a date not written",
    "2021-11-31T10:00:00Z": "V8 rolls 31 Nov over to 1 Dec: a date not written",
    "2021-02-29T10:00:00Z": "V8 rolls 29 Feb 2021 over to 1 Mar: a date not written",
    "29 Feb 2021 10:00 GMT": "V8 rolls 29 Feb 2021 over to 1 Mar: a date not written",
    "02-01-2006": "V8 guesses month first; both readings exist",
    "02/01/2006": "V8 guesses month first; both readings exist",
    "01/02/2006 15:04": "V8 guesses month first; both readings exist",
    "Jan 2021": "V8 invents the 1st of the month",
    "27 Jan": "V8 invents the year 2001",
    "Jan 2, 2006 3:04pm": "V8 reads no am/pm glued to the time (it reads nothing)",
    "Wed, 27 Jan 2021 10:00:60 GMT": "V8 reads a leap second as the minute's start",
    "Wed, 27 Jan 2021 10:00:00 A": "V8 reads no military zones (RFC 2822: read them as -0000)",
    "Wed, 27 Jan 2021 10:00:00 CET": "V8 knows only the RFC 822 zone names",
    "Wed, 27 Jan 2021 23:57:20 CET": "V8 knows only the RFC 822 zone names",
}


def _node_parse(strings: list[str]) -> list[str | None]:
    script = (
        "const xs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(xs.map(s => { const t = Date.parse(s);"
        " return isNaN(t) ? null : new Date(t).toISOString(); })));"
    )
    done = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(strings),
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_date_agrees_where_the_table_says_js() -> None:
    rows = [(t, e) for t, e, source in TABLE if source == "JS" or t in JS_DIFFERS]
    theirs = _node_parse([t for t, _ in rows])
    wrong = []
    for (text, _), js in zip(rows, theirs, strict=True):
        ours = parse_date(text)
        ours_iso = ours.isoformat(timespec="milliseconds").replace("+00:00", "Z") if ours else None
        if (js == ours_iso) == (text in JS_DIFFERS):
            wrong.append((text, js, ours_iso))
    assert not wrong, "agree when listed in JS_DIFFERS, or differ when not listed"


# ----------------------------------------------------------------- properties
_ZONES = st.integers(-12 * 60, 14 * 60).filter(lambda m: m % 15 == 0)
_INSTANTS = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31))


def _offset_text(minutes: int, colon: bool) -> str:
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


@given(_INSTANTS, _ZONES, st.booleans())
def test_rfc2822_and_iso_round_trip(local: datetime, minutes: int, colon: bool) -> None:
    local = local.replace(microsecond=0)
    zone = timezone(timedelta(minutes=minutes))
    aware = local.replace(tzinfo=zone)
    rfc = aware.strftime("%a, %d %b %Y %H:%M:%S ") + _offset_text(minutes, colon)
    iso = aware.strftime("%Y-%m-%dT%H:%M:%S") + _offset_text(minutes, True)
    js = aware.strftime("%a %b %d %Y %H:%M:%S GMT") + _offset_text(minutes, False) + " (Zone)"
    for text in (rfc, iso, js):
        assert parse_date(text) == aware.astimezone(timezone.utc), text


@given(st.text(alphabet="0123456789 -/.:,+TZAMPJanFebDecWd年月日GMTU", max_size=40))
def test_never_raises_and_never_reads_an_unwritten_date(text: str) -> None:
    value = parse_date(text)
    if value is None or text.strip().replace(".", "").isdigit():
        return
    candidates = [value + timedelta(minutes=m) for m in range(-15 * 60, 15 * 61, 15)]
    assert any(_written(text, c) or _written(text, c - timedelta(days=1)) for c in candidates), text
