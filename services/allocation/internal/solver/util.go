package solver

import "math/bits"

func tz(v uint64) int { return bits.TrailingZeros64(v) }
