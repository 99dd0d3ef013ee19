// Package templates holds the web's html/template pages, embedded in the binary: one
// layout (layout/) and one file per view (views/), each view defining "title" and
// "content" (and optionally "head" for page-specific assets). html/template escapes
// every value by context, which is the web's defence against stored XSS.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed layout/*.html views/*.html
var files embed.FS

// Set is the parsed pages.
type Set struct {
	views map[string]*template.Template
}

// Load parses the layout once per view, with funcs available to every template.
func Load(funcs template.FuncMap) (*Set, error) {
	layout, err := template.New("layout").Funcs(funcs).ParseFS(files, "layout/*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, "views/*.html")
	if err != nil {
		return nil, err
	}
	s := &Set{views: map[string]*template.Template{}}
	for _, n := range names {
		t, err := layout.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(files, n); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		s.views[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return s, nil
}

// Views lists the view names.
func (s *Set) Views() []string {
	out := make([]string, 0, len(s.views))
	for n := range s.views {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Render writes the full page of view. It renders into a buffer first so that a
// template error never sends half a page with a 200.
func (s *Set) Render(w io.Writer, view string, data any) error {
	return s.RenderBlock(w, view, "layout", data)
}

// RenderBlock writes one named block of a view (htmx partial updates).
func (s *Set) RenderBlock(w io.Writer, view, block string, data any) error {
	t, ok := s.views[view]
	if !ok {
		return fmt.Errorf("no view %q", view)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return err
	}
	_, err := buf.WriteTo(w)
	return err
}

// Sources returns every template file's text (the catalog test checks that each
// message key used exists).
func Sources() (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		out[p] = string(b)
		return err
	})
	return out, err
}
