// Package ical writes iCalendar (RFC 5545) feeds: CRLF line ends, content lines folded at
// 75 octets without splitting UTF-8 sequences, and TEXT values escaped.
package ical

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one VEVENT. Times are written in UTC.
type Event struct {
	UID         string
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
}

// Calendar is a VCALENDAR.
type Calendar struct {
	Name   string
	Stamp  time.Time // DTSTAMP of every event
	Events []Event
}

// Escape escapes a TEXT value (RFC 5545 §3.3.11).
func Escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// Fold splits a content line into lines of at most 75 octets, continuation lines
// starting with one space, never inside a UTF-8 sequence; the result ends with CRLF.
func Fold(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}

const stampLayout = "20060102T150405Z"

// Write renders the calendar.
func Write(w io.Writer, c Calendar) error {
	var b strings.Builder
	line := func(s string) { b.WriteString(Fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Planta//Allocation//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	if c.Name != "" {
		line("X-WR-CALNAME:" + Escape(c.Name))
	}
	for _, e := range c.Events {
		line("BEGIN:VEVENT")
		line("UID:" + e.UID)
		line("DTSTAMP:" + c.Stamp.UTC().Format(stampLayout))
		line("DTSTART:" + e.Start.UTC().Format(stampLayout))
		line("DTEND:" + e.End.UTC().Format(stampLayout))
		line("SUMMARY:" + Escape(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + Escape(e.Description))
		}
		if e.Location != "" {
			line("LOCATION:" + Escape(e.Location))
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}
