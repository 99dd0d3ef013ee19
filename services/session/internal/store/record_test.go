package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/redisx/redistest"

	"github.com/planta-dev/planta/services/session/internal/session"
)

func hashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// fullRecord sets every field of a record to a distinct value, including bytes that a
// delimiter-based encoding would trip on.
func fullRecord(token, parentToken string, now time.Time) session.Record {
	return session.Record{
		Session: session.Session{
			ID: "AbCdEfGhIjKlMnOpQrStUv", UserID: "c-1", Username: "Zoë \x00|\n\"ü",
			Role: session.RoleCliente, MustChangePassword: true,
			CreatedAt: now.Add(-3 * time.Minute), LastSeenAt: now.Add(-time.Minute), ExpiresAt: now.Add(2 * time.Hour),
			IP: "2001:db8::7", UserAgent: strings.Repeat("Mozilla/5.0 ", 40),
			Act: &session.Actor{UserID: "sa-1", Username: "root", SessionID: "ZyXwVuTsRqPoNmLkJiHgFe"},
		},
		TokenHash: hashOf(token), Owner: "sa-1", ParentHash: hashOf(parentToken),
		ValidSince: now.Add(-2 * time.Minute),
	}
}

func TestPackedSessionRoundTripsAndHoldsNoToken(t *testing.T) {
	client, keys := redistest.New(t)
	s := New(client, keys)
	t.Cleanup(s.Close)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	const idle = 30 * time.Minute

	parentToken := strings.Repeat("P", session.TokenLen)
	parent := fullRecord(parentToken, "", now)
	parent.TokenHash, parent.ParentHash, parent.Act, parent.Owner, parent.UserID = hashOf(parentToken), "", nil, "sa-1", "sa-1"
	parent.MustChangePassword = false
	parent.ID = "ParentParentParentPare"
	if err := s.Insert(ctx, parent, now, idle); err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("T", session.TokenLen)
	want := fullRecord(token, parentToken, now)
	if err := s.Insert(ctx, want, now, idle); err != nil {
		t.Fatal(err)
	}

	raw, err := client.Get(ctx, s.sessionKey(want.TokenHash)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, token) || strings.Contains(raw, want.TokenHash) {
		t.Fatal("the stored session holds its token or its token hash")
	}
	if strings.Contains(raw, parentToken) {
		t.Fatal("the stored session holds its parent's token")
	}
	if !strings.Contains(raw, want.ParentHash) {
		t.Fatal("the parent is referenced by its token hash")
	}

	got, err := s.Get(ctx, want.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Get round trip:\n got %+v\nwant %+v", got, want)
	}
	for _, touch := range []bool{false, true} {
		got, err = s.Validate(ctx, want.TokenHash, now, idle, touch)
		if err != nil {
			t.Fatal(err)
		}
		if touch {
			want.LastSeenAt = now
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Validate(touch=%v) round trip:\n got %+v\nwant %+v", touch, got, want)
		}
		if stored, _ := s.Get(ctx, want.TokenHash); !reflect.DeepEqual(stored, want) {
			t.Fatalf("after Validate(touch=%v) the store holds\n %+v\nwant %+v", touch, stored, want)
		}
	}
	list, err := s.ListByOwner(ctx, "sa-1", now, idle)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("listed %d sessions, want 2", len(list))
	}
	listed := list[0]
	if listed.ID != want.ID {
		listed = list[1]
	}
	want.TokenHash = "" // a listing does not know the hashes
	if !reflect.DeepEqual(listed, want) {
		t.Fatalf("ListByOwner round trip:\n got %+v\nwant %+v", listed, want)
	}
	want.TokenHash = hashOf(token)
	deleted, ok, err := s.Delete(ctx, want.TokenHash)
	if err != nil || !ok || !reflect.DeepEqual(deleted, want) {
		t.Fatalf("Delete round trip: %v %v\n got %+v\nwant %+v", ok, err, deleted, want)
	}
}

func TestPackedSessionCodec(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, rec := range []session.Record{
		fullRecord("a", "b", now),
		{Session: session.Session{ID: "x", CreatedAt: time.UnixMilli(0).UTC(), LastSeenAt: time.UnixMilli(0).UTC(),
			ExpiresAt: time.UnixMilli(1).UTC()}, ValidSince: time.UnixMilli(-5).UTC(), TokenHash: "h"},
	} {
		v, err := encode(rec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decode(v, rec.TokenHash)
		if err != nil || !reflect.DeepEqual(got, rec) {
			t.Fatalf("codec round trip: %v\n got %+v\nwant %+v", err, got, rec)
		}
		for n := range len(v) {
			if _, err := decode(v[:n], "h"); !errors.Is(err, errCorrupt) {
				t.Fatalf("truncated to %d bytes: %v, want errCorrupt", n, err)
			}
		}
		if _, err := decode(v+"x", "h"); !errors.Is(err, errCorrupt) {
			t.Fatalf("trailing byte: %v, want errCorrupt", err)
		}
	}
	long := fullRecord("a", "b", now)
	long.UserAgent = strings.Repeat("x", maxString+1)
	if _, err := encode(long); err == nil {
		t.Fatal("a string longer than its length prefix must be refused")
	}
}
