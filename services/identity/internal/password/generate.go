package password

import (
	"fmt"
	"io"
	"math/big"

	"crypto/rand"
)

// temporaryAlphabet avoids look-alike characters (0/O, 1/l/I) so a temporary password
// can be read aloud or typed from a screen.
const temporaryAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Temporary returns a 20-character random password (~116 bits) read from src
// (crypto/rand.Reader in production).
func Temporary(src io.Reader) (string, error) {
	if src == nil {
		src = rand.Reader
	}
	out := make([]byte, 20)
	max := big.NewInt(int64(len(temporaryAlphabet)))
	for i := range out {
		n, err := rand.Int(src, max)
		if err != nil {
			return "", fmt.Errorf("generate temporary password: %w", err)
		}
		out[i] = temporaryAlphabet[n.Int64()]
	}
	return string(out), nil
}
