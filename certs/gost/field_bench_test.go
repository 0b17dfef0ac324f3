package gost

import "testing"

func BenchmarkFieldMul(b *testing.B) {
	for _, c := range []Curve{CurveCryptoProA, CurveTC26512A} {
		cv := c.impl()
		for name, md := range map[string]*modulus{"p": cv.fp, "q": cv.fq} {
			b.Run(c.String()+"/"+name, func(b *testing.B) {
				x := cv.g.y
				y := cv.g.x
				for b.Loop() {
					md.mul(&x, &x, &y)
				}
			})
		}
	}
}
