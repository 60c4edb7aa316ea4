;; The vector unit's exponential instructions (vector.ts: expShift, expShiftSum, expShiftScale) over the UB
;; arena, which lives in the imported memory from byte 0. Each element gets exactly the float32 value the
;; JavaScript loop stores, Math.fround(Math.exp(x - shift)):
;;   a fast exp e (two elements a step: K = round(128 d / ln2), Cody-Waite reduction, a 2^(j / 128) table and a
;;   4th-degree polynomial; relative error below 3e-15 on [-707, 0]; the odd last element: $fast1, k = round(d / ln2)
;;   and a 12-term Taylor polynomial, below 1e-15) decides the float32 when every value within a relative 2^-44 of e
;;   rounds to the same float32. Math.exp is within one double ulp of exp(d) and e far closer than 2^-44,
;;   so both round alike; otherwise (about one element in 500,000), and for d > 0 or NaN, the element
;;   calls the imported Math.exp. d < -707 (-Infinity included) is +0, as fround(Math.exp(d)) is.
;; Two elements a step (f64x2); sums add the float32 values one at a time in element order, as the loop does.
;; Addresses are bytes. Assembled by packages/device-npu/tools/build-wasm.ts into vector.generated.ts.
(module
  (import "env" "memory" (memory 1))
  (import "env" "exp" (func $mathExp (param f64) (result f64)))
  ;; Byte address of 128 float64 values 2^(j / 128), j < 128, that vector-wasm.ts writes after the UB's scratch
  ;; and passes to setTable before any other call.
  (global $tab (mut i32) (i32.const 0))
  (func (export "setTable") (param $at i32) (global.set $tab (local.get $at)))

  ;; exp(d) for d in [-707, 0], error below 1e-15 relative (not correctly rounded: see $exp32).
  (func $fast1 (param $d f64) (result f64)
    (local $k f64) (local $r f64) (local $r2 f64) (local $r4 f64)
    (local.set $k (f64.sub (f64.add (f64.mul (local.get $d) (f64.const 1.4426950408889634)) (f64.const 6755399441055744)) (f64.const 6755399441055744)))
    (local.set $r (f64.sub (f64.sub (local.get $d) (f64.mul (local.get $k) (f64.const 0.6931471803691238))) (f64.mul (local.get $k) (f64.const 1.9082149292705877e-10))))
    (local.set $r2 (f64.mul (local.get $r) (local.get $r)))
    (local.set $r4 (f64.mul (local.get $r2) (local.get $r2)))
    (f64.mul
      (f64.add
        (f64.add
          (f64.add (f64.add (f64.const 1) (local.get $r)) (f64.mul (f64.add (f64.const 0.5) (f64.mul (f64.const 0.16666666666666666) (local.get $r))) (local.get $r2)))
          (f64.mul (f64.add (f64.add (f64.const 0.041666666666666664) (f64.mul (f64.const 0.008333333333333333) (local.get $r))) (f64.mul (f64.add (f64.const 0.001388888888888889) (f64.mul (f64.const 0.0001984126984126984) (local.get $r))) (local.get $r2))) (local.get $r4)))
        (f64.mul
          (f64.add
            (f64.add (f64.add (f64.const 0.0000248015873015873) (f64.mul (f64.const 0.0000027557319223985893) (local.get $r))) (f64.mul (f64.add (f64.const 2.755731922398589e-7) (f64.mul (f64.const 2.505210838544172e-8) (local.get $r))) (local.get $r2)))
            (f64.mul (f64.const 2.08767569878681e-9) (local.get $r4)))
          (f64.mul (local.get $r4) (local.get $r4))))
      (f64.reinterpret_i64 (i64.shl (i64.add (i64.trunc_f64_s (local.get $k)) (i64.const 1023)) (i64.const 52)))))

  ;; Math.fround(Math.exp(d)), as a float64.
  (func $exp32 (param $d f64) (result f64)
    (local $e f64) (local $lo f32)
    (if (f64.ge (local.get $d) (f64.const -707))
      (then
        (if (f64.le (local.get $d) (f64.const 0))
          (then
            (local.set $e (call $fast1 (local.get $d)))
            (local.set $lo (f32.demote_f64 (f64.sub (local.get $e) (f64.mul (local.get $e) (f64.const 5.684341886080802e-14)))))
            (if (f32.eq (local.get $lo) (f32.demote_f64 (f64.add (local.get $e) (f64.mul (local.get $e) (f64.const 5.684341886080802e-14)))))
              (then (return (f64.promote_f32 (local.get $lo))))))))
      (else
        (if (f64.lt (local.get $d) (f64.const -707)) (then (return (f64.const 0))))))
    (f64.promote_f32 (f32.demote_f64 (call $mathExp (local.get $d)))))

  ;; The three instructions' one loop (inlined fast path: V8 does not inline wasm calls here). mode 0: a = e;
  ;; 1: a = e, returning the sum of the e in element order; 2: a = e * mul rounded to float32; e = fround(exp(a - shift)).
  (func $run (param $at i32) (param $n i32) (param $shift f64) (param $mul f64) (param $mode i32) (result f64)
    (local $p i32) (local $end i32) (local $sh v128) (local $m v128) (local $s f64) (local $e f64)
    (local $d v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128) (local $sc v128) (local $x v128) (local $f v128)
    (local.set $sh (f64x2.splat (local.get $shift)))
    (local.set $m (f64x2.splat (local.get $mul)))
    (local.set $p (local.get $at))
    (local.set $end (i32.add (local.get $at) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (local.get $sh)))
        (local.set $f
          (if (result v128) (i64x2.all_true (v128.and (f64x2.ge (local.get $d) (v128.const f64x2 -707 -707)) (f64x2.le (local.get $d) (v128.const f64x2 0 0))))
            (then
              ;; exp(d) = 2^(K / 128) exp(r), K = round(d 128 / ln2), r = d - K ln2 / 128 (Cody-Waite, |r| <= ln2 / 256):
              ;; 2^(K / 128) is the table's 2^(j / 128), j = K mod 128, with (K - j) / 128 added to its exponent
              ;; field; exp(r) a 4th-degree Taylor polynomial (truncation below 1.3e-15 relative at |r| <= 0.00271).
              ;; The bits of t = 1.5 * 2^52 + K, less those of 1.5 * 2^52, are K.
              (local.set $t (f64x2.add (f64x2.mul (local.get $d) (v128.const f64x2 184.6649652337873 184.6649652337873)) (v128.const f64x2 6755399441055744 6755399441055744)))
              (local.set $k (f64x2.sub (local.get $t) (v128.const f64x2 6755399441055744 6755399441055744)))
              (local.set $r (f64x2.sub (f64x2.sub (local.get $d) (f64x2.mul (local.get $k) (v128.const f64x2 0.00541521234663378 0.00541521234663378))) (f64x2.mul (local.get $k) (v128.const f64x2 1.4907929134926466e-12 1.4907929134926466e-12))))
              (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
              (local.set $t (i64x2.sub (local.get $t) (v128.const f64x2 6755399441055744 6755399441055744)))
              (local.set $sc
                (f64x2.replace_lane 1
                  (f64x2.splat (f64.load (i32.add (global.get $tab) (i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $t))) (i32.const 127)) (i32.const 3)))))
                  (f64.load (i32.add (global.get $tab) (i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $t))) (i32.const 127)) (i32.const 3))))))
              (local.set $x
                (f64x2.mul
                  (f64x2.add
                    (f64x2.add (v128.const f64x2 1 1) (local.get $r))
                    (f64x2.mul (local.get $r2)
                      (f64x2.add
                        (f64x2.add (v128.const f64x2 0.5 0.5) (f64x2.mul (v128.const f64x2 0.16666666666666666 0.16666666666666666) (local.get $r)))
                        (f64x2.mul (v128.const f64x2 0.041666666666666664 0.041666666666666664) (local.get $r2)))))
                  (i64x2.add (local.get $sc) (i64x2.shl (v128.and (local.get $t) (v128.const i64x2 -128 -128)) (i32.const 45)))))
              ;; decided when e(1 - 2^-44) and e(1 + 2^-44) round to the same float32
              (local.set $f (f32x4.demote_f64x2_zero (f64x2.sub (local.get $x) (f64x2.mul (local.get $x) (v128.const f64x2 5.684341886080802e-14 5.684341886080802e-14)))))
              (if (result v128) (i32x4.all_true (i32x4.eq (local.get $f) (f32x4.demote_f64x2_zero (f64x2.add (local.get $x) (f64x2.mul (local.get $x) (v128.const f64x2 5.684341886080802e-14 5.684341886080802e-14))))))
                (then (local.get $f))
                (else (call $slow (local.get $d)))))
            (else (call $slow (local.get $d)))))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then (local.set $f (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (local.get $f)) (local.get $m))))))
        (v128.store64_lane 0 (local.get $p) (local.get $f))
        (if (i32.eq (local.get $mode) (i32.const 1))
          (then (local.set $s (f64.add (f64.add (local.get $s) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $f)))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $f)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $e (call $exp32 (f64.sub (f64.promote_f32 (f32.load (local.get $p))) (local.get $shift))))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then (f32.store (local.get $p) (f32.demote_f64 (f64.mul (local.get $e) (local.get $mul)))))
          (else (f32.store (local.get $p) (f32.demote_f64 (local.get $e)))))
        (local.set $s (f64.add (local.get $s) (local.get $e)))))
    (local.get $s))

  ;; $exp32 of both lanes, as float32 lanes 0 and 1: the pairs the fast path leaves.
  (func $slow (param $d v128) (result v128)
    (f32x4.replace_lane 1
      (f32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (f32.demote_f64 (call $exp32 (f64x2.extract_lane 0 (local.get $d)))))
      (f32.demote_f64 (call $exp32 (f64x2.extract_lane 1 (local.get $d))))))

  ;; a[k] = fround(exp(a[k] - shift)) for k < n (bytes at..): expShift.
  (func (export "expShift") (param $at i32) (param $n i32) (param $shift f64)
    (drop (call $run (local.get $at) (local.get $n) (local.get $shift) (f64.const 1) (i32.const 0))))

  ;; expShift, returning the float64 sum of the float32 results in element order: expShiftSum.
  (func (export "expShiftSum") (param $at i32) (param $n i32) (param $shift f64) (result f64)
    (call $run (local.get $at) (local.get $n) (local.get $shift) (f64.const 1) (i32.const 1)))

  ;; a[k] = fround(exp(a[k] - shift)) * mul, rounded to float32: expShiftScale.
  (func (export "expShiftScale") (param $at i32) (param $n i32) (param $shift f64) (param $mul f64)
    (drop (call $run (local.get $at) (local.get $n) (local.get $shift) (local.get $mul) (i32.const 2))))
;; a[k] = a[k] * alpha rounded to float32, k < n: scale.
  (func (export "scale") (param $at i32) (param $n i32) (param $alpha f64)
    (local $p i32) (local $end i32) (local $al v128)
    (local.set $al (f64x2.splat (local.get $alpha)))
    (local.set $p (local.get $at))
    (local.set $end (i32.add (local.get $at) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store64_lane 0 (local.get $p)
          (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (local.get $al))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f32.store (local.get $p) (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (local.get $p))) (local.get $alpha)))))))

  ;; g[k] = p[k] * fround(g[k] - dot) rounded to float32, k < n (g and p apart, or the same): softmaxGrad.
  (func (export "softmaxGrad") (param $g i32) (param $pp i32) (param $n i32) (param $dot f64)
    (local $t i32) (local $end i32) (local $d v128)
    (local.set $d (f64x2.splat (local.get $dot)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
        (v128.store64_lane 0 (i32.add (local.get $g) (local.get $t))
          (f32x4.demote_f64x2_zero
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pp) (local.get $t))))
              (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $g) (local.get $t)))) (local.get $d)))))))
        (local.set $t (i32.add (local.get $t) (i32.const 8)))
        (br $pairs)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f32.store (i32.add (local.get $g) (local.get $t))
          (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $pp) (local.get $t))))
            (f64.promote_f32 (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $g) (local.get $t)))) (local.get $dot))))))))))

  ;; The largest of n float32 elements (n >= 1), or NaN when the caller must run the JavaScript loop for the
  ;; exact answer: a NaN among them (which NaN it returns depends on the order) or a largest value of 0 (its sign does).
  (func (export "reduceMax") (param $at i32) (param $n i32) (result f64)
    (local $p i32) (local $end i32) (local $v v128) (local $m v128) (local $nan v128) (local $x f32) (local $r f32)
    (local.set $m (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $p (local.get $at))
    (local.set $end (i32.add (local.get $at) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $quads
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $m (f32x4.pmax (local.get $m) (local.get $v)))
        (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $v) (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $quads)))
    (local.set $r (f32.max (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
                           (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 2))))
    (block $tail
      (loop $rest
        (br_if $tail (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (f32.load (local.get $p)))
        (if (f32.ne (local.get $x) (local.get $x)) (then (return (f64.const nan))))
        (local.set $r (f32.max (local.get $r) (local.get $x)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rest)))
    (if (i32.or (v128.any_true (local.get $nan)) (f32.eq (local.get $r) (f32.const 0))) (then (return (f64.const nan))))
    (f64.promote_f32 (local.get $r)))

  ;; bytes from src to dst (memmove): gather's block move, without the cost of a typed-array copyWithin call.
  (func (export "move") (param $dst i32) (param $src i32) (param $bytes i32)
    (memory.copy (local.get $dst) (local.get $src) (local.get $bytes)))

  ;; n 32-bit words of `bits` from byte address at, four a step: what Float32Array.fill stores. An arena in a
  ;; shared memory fills with this, because V8's TypedArray.fill on a SharedArrayBuffer stores element by
  ;; element with relaxed atomics (about three times as slow from ~128 elements on).
  (func (export "fill32") (param $at i32) (param $n i32) (param $bits i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $v (i32x4.splat (local.get $bits)))
    (block $done
      (loop $quad
        (br_if $done (i32.gt_u (i32.add (local.get $at) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $at) (local.get $v))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $quad)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $at) (local.get $end)))
        (i32.store (local.get $at) (local.get $bits))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $one))))

  ;; n 16-bit halves of `bits` from byte address at, eight a step: fill32 for half buffers.
  (func (export "fill16") (param $at i32) (param $n i32) (param $bits i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 1))))
    (local.set $v (i16x8.splat (local.get $bits)))
    (block $done
      (loop $oct
        (br_if $done (i32.gt_u (i32.add (local.get $at) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $at) (local.get $v))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $oct)))
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_u (local.get $at) (local.get $end)))
        (i32.store16 (local.get $at) (local.get $bits))
        (local.set $at (i32.add (local.get $at) (i32.const 2)))
        (br $one))))
)
