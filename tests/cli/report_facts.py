#!/usr/bin/env python3
"""report_facts.py DOM.html - what a rendered csgw report shows, one fact a line.

Reads the DOM Chromium dumped (--dump-dom) and prints:
  section ID                 each <section>, in order
  verified yes|no            the integrity statement's verdict
  chart ID BARS              each chart and its number of bars (<g class="bar">)
  bar ID LABEL TOTAL         each bar of each chart
  total DIRECTION DECISION N each row of the totals table
  table ID ROWS SHOWN        each table section: its row count, and the rows on the page
  fetches N                  attributes or styles that would load anything
"""
import re
import sys
from html.parser import HTMLParser


class Facts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.section = None
        self.chart = None
        self.lines = []
        self.bars = {}
        self.shown = {}
        self.rows = {}
        self.fetches = 0
        self.in_total = None
        self.cells = []
        self.cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value:
                self.fetches += 1
            if name == "style" and value and "url(" in value:
                self.fetches += 1
        if tag in ("link", "script", "img", "iframe", "object", "embed", "image"):
            self.fetches += 1
        if tag == "section":
            self.section = a.get("id")
            self.lines.append("section %s" % self.section)
            if "data-rows" in a:
                self.rows[self.section] = a["data-rows"]
                self.shown[self.section] = 0
        if tag == "div" and a.get("id") == "integrity-result":
            self.lines.append("verified %s" % a.get("data-verified"))
        if tag == "figure" and "chart" in (a.get("class") or ""):
            self.chart = a.get("id")
            self.bars[self.chart] = []
        if tag == "g" and a.get("class") == "bar" and self.chart:
            self.bars[self.chart].append((a.get("data-label"), a.get("data-total")))
        if tag == "tr" and "data-id" in a and self.section in self.shown:
            self.shown[self.section] += 1
        if tag == "tr" and "data-decision" in a and self.section == "totals":
            self.in_total = (a["data-direction"], a["data-decision"])
            self.cells = []
        if tag == "td" and self.in_total:
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.cells.append(self.cell)
            self.cell = None
        if tag == "tr" and self.in_total:
            self.lines.append("total %s %s %s" % (self.in_total[0], self.in_total[1], self.cells[-1]))
            self.in_total = None
        if tag == "figure":
            self.chart = None


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    f = Facts()
    f.feed(text)
    for line in f.lines:
        print(line)
    for chart, bars in f.bars.items():
        print("chart %s %d" % (chart, len(bars)))
        for label, total in bars:
            print("bar %s %s %s" % (chart, label.replace(" ", "_"), total))
    for section, rows in f.rows.items():
        print("table %s %s %d" % (section, rows, f.shown[section]))
    styles = " ".join(re.findall(r"<style>(.*?)</style>", text, re.S))
    fetches = f.fetches + len(re.findall(r"url\(|@import", styles))
    print("fetches %d" % fetches)


main()
