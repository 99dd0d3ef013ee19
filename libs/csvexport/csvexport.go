// Package csvexport writes CSV for spreadsheets safely: RFC 4180 quoting, valid UTF-8,
// and no formula injection. A cell that a spreadsheet would evaluate (one starting with
// = + - @, or a tab or carriage return that some spreadsheets strip before evaluating) is
// prefixed with a single quote, OWASP's recommended neutralisation.
//
// Writer streams to an http.ResponseWriter, flushing as it goes, so an export of any size
// runs in constant memory.
package csvexport

import (
	"encoding/csv"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// ContentType is the media type of every export.
const ContentType = "text/csv; charset=utf-8; header=present"

// flushEvery is how many rows are buffered before they go to the client.
const flushEvery = 200

// Escape neutralises a cell: invalid UTF-8 is replaced with U+FFFD and a leading
// formula trigger gets a leading single quote.
func Escape(cell string) string {
	cell = strings.ToValidUTF8(cell, "\uFFFD")
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// Writer writes escaped records.
type Writer struct {
	csv   *csv.Writer
	flush func()
	rows  int
}

// NewWriter writes CSV to w (CRLF line ends, as RFC 4180 and spreadsheets expect).
func NewWriter(w io.Writer) *Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{csv: cw, flush: func() {}}
}

// Stream starts a CSV download on w: it sets the headers (an attachment named filename)
// and returns a Writer that flushes to the client every few rows. After the first row the
// status is committed; a later failure must abort the response (see Abort).
func Stream(w http.ResponseWriter, filename string) *Writer {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	cw := NewWriter(w)
	rc := http.NewResponseController(w)
	cw.flush = func() { _ = rc.Flush() }
	return cw
}

// Write writes one record, escaping every cell.
func (w *Writer) Write(record ...string) error {
	escaped := make([]string, len(record))
	for i, cell := range record {
		escaped[i] = Escape(cell)
	}
	if err := w.csv.Write(escaped); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	w.rows++
	if w.rows%flushEvery == 0 {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		w.flush()
	}
	return nil
}

// Close flushes what is buffered.
func (w *Writer) Close() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	w.flush()
	return nil
}

// Abort ends a streamed response that failed halfway: the connection is cut without the
// final chunk, so the client sees a broken transfer instead of a silently short file.
func Abort() { panic(http.ErrAbortHandler) }
