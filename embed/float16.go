package embed

import (
	"encoding/binary"
	"math"
)

// float16ToFloat32 decodes an IEEE 754 half-precision value (subnormals, infinities and
// NaN included).
func float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise the fraction
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	}
}

// decodeFloat16 converts little-endian half-precision bytes to dst (len(src) == 2·len(dst)).
func decodeFloat16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = float16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}
