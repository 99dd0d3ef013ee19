package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/planta-dev/planta/services/session/internal/session"
)

// The packed session of scripts.go: four big-endian int64 instants (exp, ls, vs, ca) and
// then uint16-length-prefixed strings. Only the token hash is in the key; the value holds
// no token.
const (
	headSize      = 32
	offExpires    = 0
	offLastSeen   = 8 // the Lua scripts use this offset too (LS)
	offValidSince = 16
	offCreated    = 24
	numStrings    = 12
	maxString     = 1<<16 - 1
)

// The strings in their stored order (the Lua head reads the first four).
const (
	sID = iota
	sUserID
	sOwner
	sParent
	sUsername
	sRole
	sMustChange
	sIP
	sUserAgent
	sActorID
	sActorName
	sActorSID
)

var errCorrupt = errors.New("session store: corrupt packed session")

// encode packs rec (its TokenHash is the key, not part of the value).
func encode(rec session.Record) (string, error) {
	mcp := ""
	if rec.MustChangePassword {
		mcp = "1"
	}
	var act session.Actor
	if rec.Act != nil {
		act = *rec.Act
	}
	strs := [numStrings]string{
		sID: rec.ID, sUserID: rec.UserID, sOwner: rec.Owner, sParent: rec.ParentHash,
		sUsername: rec.Username, sRole: string(rec.Role), sMustChange: mcp,
		sIP: rec.IP, sUserAgent: rec.UserAgent,
		sActorID: act.UserID, sActorName: act.Username, sActorSID: act.SessionID,
	}
	n := headSize + 2*numStrings
	for i, s := range strs {
		if len(s) > maxString {
			return "", fmt.Errorf("session string %d is %d bytes, more than %d", i, len(s), maxString)
		}
		n += len(s)
	}
	b := make([]byte, headSize, n)
	binary.BigEndian.PutUint64(b[offExpires:], uint64(ms(rec.ExpiresAt)))
	binary.BigEndian.PutUint64(b[offLastSeen:], uint64(ms(rec.LastSeenAt)))
	binary.BigEndian.PutUint64(b[offValidSince:], uint64(ms(rec.ValidSince)))
	binary.BigEndian.PutUint64(b[offCreated:], uint64(ms(rec.CreatedAt)))
	for _, s := range strs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	return string(b), nil
}

// decode unpacks v. The strings of the record share v's memory.
func decode(v string, tokenHash string) (session.Record, error) {
	if len(v) < headSize {
		return session.Record{}, errCorrupt
	}
	i64 := func(off int) int64 {
		return int64(uint64(v[off])<<56 | uint64(v[off+1])<<48 | uint64(v[off+2])<<40 | uint64(v[off+3])<<32 |
			uint64(v[off+4])<<24 | uint64(v[off+5])<<16 | uint64(v[off+6])<<8 | uint64(v[off+7]))
	}
	var strs [numStrings]string
	p := headSize
	for i := range strs {
		if p+2 > len(v) {
			return session.Record{}, errCorrupt
		}
		n := int(v[p])<<8 | int(v[p+1])
		p += 2
		if p+n > len(v) {
			return session.Record{}, errCorrupt
		}
		strs[i] = v[p : p+n]
		p += n
	}
	if p != len(v) {
		return session.Record{}, errCorrupt
	}
	if strs[sID] == "" {
		return session.Record{}, session.ErrInvalidSession
	}
	rec := session.Record{
		Session: session.Session{
			ID: strs[sID], UserID: strs[sUserID], Username: strs[sUsername], Role: session.Role(strs[sRole]),
			MustChangePassword: strs[sMustChange] == "1",
			CreatedAt:          fromMS(i64(offCreated)), LastSeenAt: fromMS(i64(offLastSeen)), ExpiresAt: fromMS(i64(offExpires)),
			IP: strs[sIP], UserAgent: strs[sUserAgent],
		},
		TokenHash: tokenHash, Owner: strs[sOwner], ParentHash: strs[sParent], ValidSince: fromMS(i64(offValidSince)),
	}
	if strs[sActorID] != "" {
		rec.Act = &session.Actor{UserID: strs[sActorID], Username: strs[sActorName], SessionID: strs[sActorSID]}
	}
	return rec, nil
}

// parse reads a script's reply: one packed session.
func parse(reply any, tokenHash string) (session.Record, error) {
	v, ok := reply.(string)
	if !ok {
		return session.Record{}, fmt.Errorf("unexpected session reply %T", reply)
	}
	return decode(v, tokenHash)
}
