// Package i18n holds the web's message catalogs (one JSON file per language in
// catalog/, embedded) and formats dates, numbers and money for the user's language and
// the site's time zone.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed catalog/*.json
var catalogs embed.FS

// Lang is a supported language.
type Lang string

// The supported languages: Spanish (the MRP product's users), Portuguese (the allocation
// product's), English.
const (
	ES Lang = "es"
	PT Lang = "pt"
	EN Lang = "en"
)

// Langs lists the supported languages in menu order.
var Langs = []Lang{ES, PT, EN}

// Default is the language when neither the cookie nor Accept-Language names one we have.
const Default = ES

// CookieName stores the chosen language.
const CookieName = "planta_lang"

// Catalog holds every language's messages.
type Catalog struct {
	msgs map[Lang]map[string]string
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[Lang]map[string]string{}}
	for _, l := range Langs {
		data, err := catalogs.ReadFile(path.Join("catalog", string(l)+".json"))
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", l, err)
		}
		c.msgs[l] = m
	}
	return c, nil
}

// Keys returns the sorted keys of one language.
func (c *Catalog) Keys(l Lang) []string {
	keys := make([]string, 0, len(c.msgs[l]))
	for k := range c.msgs[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether l has key.
func (c *Catalog) Has(l Lang, key string) bool { _, ok := c.msgs[l][key]; return ok }

// Negotiate picks the language: the cookie, else the best Accept-Language match, else Default.
func Negotiate(r *http.Request) Lang {
	if ck, err := r.Cookie(CookieName); err == nil {
		if l, ok := Parse(ck.Value); ok {
			return l
		}
	}
	type cand struct {
		l Lang
		q float64
	}
	var best *cand
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if l, ok := Parse(base); ok && q > 0 && (best == nil || q > best.q) {
			best = &cand{l, q}
		}
	}
	if best != nil {
		return best.l
	}
	return Default
}

// Parse validates a language code.
func Parse(s string) (Lang, bool) {
	for _, l := range Langs {
		if string(l) == s {
			return l, true
		}
	}
	return "", false
}

// Locale formats for one request: language and the site's time zone.
type Locale struct {
	Lang Lang
	Loc  *time.Location
	c    *Catalog
}

// Locale returns a formatter for l in loc.
func (c *Catalog) Locale(l Lang, loc *time.Location) Locale {
	if loc == nil {
		loc = time.UTC
	}
	return Locale{Lang: l, Loc: loc, c: c}
}

// T returns the message for key (formatted with args, fmt-style); an unknown key shows
// itself so it is noticed (and the catalog test fails first).
func (l Locale) T(key string, args ...any) string {
	msg, ok := l.c.msgs[l.Lang][key]
	if !ok {
		msg, ok = l.c.msgs[EN][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// In returns the locale in another time zone (allocation pages use São Paulo).
func (l Locale) In(loc *time.Location) Locale { l.Loc = loc; return l }

// DateTime formats t in the site's time zone.
func (l Locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(l.Loc)
	if l.Lang == EN {
		return t.Format("Jan 2, 2006 15:04")
	}
	return t.Format("02/01/2006 15:04")
}

// Date formats t's date in the site's time zone.
func (l Locale) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(l.Loc)
	if l.Lang == EN {
		return t.Format("Jan 2, 2006")
	}
	return t.Format("02/01/2006")
}

// DateISO formats a YYYY-MM-DD date string.
func (l Locale) DateISO(s string) string {
	t, err := time.ParseInLocation("2006-01-02", s, l.Loc)
	if err != nil {
		return s
	}
	return l.Date(t)
}

// TZ names the time zone shown next to times.
func (l Locale) TZ() string { return l.Loc.String() }

// separators returns the thousands and decimal separators: Peru's Spanish and English
// group with "," and use "." for decimals; Brazilian Portuguese the other way round.
func (l Locale) separators() (group, decimal string) {
	if l.Lang == PT {
		return ".", ","
	}
	return ",", "."
}

// Number formats an exact decimal string (or any number) with digit grouping, without
// going through float64. Non-numbers are returned as they are.
func (l Locale) Number(v any) string {
	s := fmt.Sprint(v)
	if s == "" {
		return "0"
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return fmt.Sprint(v)
		}
	}
	frac = strings.TrimRight(frac, "0")
	return l.group(neg, intPart, frac)
}

func (l Locale) group(neg bool, intPart, frac string) string {
	g, d := l.separators()
	if intPart == "" {
		intPart = "0"
	}
	var b strings.Builder
	if neg && strings.Trim(intPart+frac, "0") != "" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(g)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(d)
		b.WriteString(frac)
	}
	return b.String()
}

// Money formats an exact amount in a currency: PEN as "S/ 1,234.50", USD as
// "US$ 1,234.50" (separators by language), always two decimals, rounded half away
// from zero on the decimal string.
func (l Locale) Money(currency string, v any) string {
	s := fmt.Sprint(v)
	if s == "" {
		s = "0"
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return currency + " " + fmt.Sprint(v)
		}
	}
	intPart, frac = round2(intPart, frac)
	symbol := map[string]string{"PEN": "S/", "USD": "US$", "BRL": "R$"}[currency]
	if symbol == "" {
		symbol = currency
	}
	return symbol + " " + l.group(neg, intPart, frac)
}

// round2 rounds a non-negative decimal string to two places (half away from zero).
func round2(intPart, frac string) (string, string) {
	frac += "000"
	keep, next := frac[:2], frac[2]
	if next < '5' {
		return intPart, keep
	}
	digits := []byte(intPart + keep)
	i := len(digits) - 1
	for ; i >= 0; i-- {
		if digits[i] == '9' {
			digits[i] = '0'
			continue
		}
		digits[i]++
		break
	}
	s := string(digits)
	if i < 0 {
		s = "1" + s
	}
	return s[:len(s)-2], s[len(s)-2:]
}

// Percent formats a 0..1 ratio as a whole percentage.
func (l Locale) Percent(f float64) string { return strconv.Itoa(int(f*100+0.5)) + " %" }
