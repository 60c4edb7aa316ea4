;; float32 row loops of the fused MTA kernels: 4 lanes (f32x4), FMA where the engine has relaxed SIMD.
;;
;; Source of rows-f32.generated.ts (tools/wasm/build.ts assembles it with wabt, twice):
;;   every fma form, fma(A, B, C) = A * B + C, becomes f32x4.relaxed_madd in the "relaxed" module and
;;   f32x4.add (f32x4.mul A B) C in the "fallback" module (engines without relaxed SIMD, e.g. Node 20).
;;
;; Arguments are byte addresses in the imported memory (env.memory), n the row length (columns c < n).
;; Rows live in a ring whose slots have at least 4 floats of slack after column L + pads, so the
;; element-wise loops run whole quads: lanes at c >= n compute garbage that callers never read. Every
;; reduction masks those lanes (the product, so garbage NaN becomes 0) before adding.
;; Reductions that can span a whole row (weight/bias gradient sums, softmax sums, dots) end in float64:
;; float32 lanes add at most 16 terms, then fold into float64 (plain float32 sums over B*L^2 terms put
;; grad_weight outside 1e-5).
(module
  (import "env" "memory" (memory 1))

  ;; All-ones in lanes k < rem (0 <= rem < 4), zero elsewhere.
  (func $tailMask (param $rem i32) (result v128)
    (i32x4.lt_s (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $rem))))

  ;; Both halves of a float32 quad promoted to float64 and added to a float64 pair.
  (func $addPromoted (param $sum v128) (param $v v128) (result v128)
    (f64x2.add
      (f64x2.add (local.get $sum) (f64x2.promote_low_f32x4 (local.get $v)))
      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))

  ;; acc[j] += sum_{r,k} w[3r + k] * x_r[j + k], j < n (3x3 kernel, column dilation 1, three rows).
  (func $conv3x3 (export "conv3x3") (param $acc i32) (param $x0 i32) (param $x1 i32) (param $x2 i32) (param $w i32) (param $n i32)
    (local $end i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128)
    (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128)
    (local.set $w0 (v128.load32_splat (local.get $w)))
    (local.set $w1 (v128.load32_splat offset=4 (local.get $w)))
    (local.set $w2 (v128.load32_splat offset=8 (local.get $w)))
    (local.set $w3 (v128.load32_splat offset=12 (local.get $w)))
    (local.set $w4 (v128.load32_splat offset=16 (local.get $w)))
    (local.set $w5 (v128.load32_splat offset=20 (local.get $w)))
    (local.set $w6 (v128.load32_splat offset=24 (local.get $w)))
    (local.set $w7 (v128.load32_splat offset=28 (local.get $w)))
    (local.set $w8 (v128.load32_splat offset=32 (local.get $w)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        ;; one chain per input row keeps three independent FMA chains in flight
        (v128.store align=4 (local.get $acc)
          (f32x4.add
            (f32x4.add
              (fma (local.get $w2) (v128.load offset=8 align=4 (local.get $x0))
                (fma (local.get $w1) (v128.load offset=4 align=4 (local.get $x0))
                  (fma (local.get $w0) (v128.load align=4 (local.get $x0)) (v128.load align=4 (local.get $acc)))))
              (fma (local.get $w5) (v128.load offset=8 align=4 (local.get $x1))
                (fma (local.get $w4) (v128.load offset=4 align=4 (local.get $x1))
                  (f32x4.mul (local.get $w3) (v128.load align=4 (local.get $x1))))))
            (fma (local.get $w8) (v128.load offset=8 align=4 (local.get $x2))
              (fma (local.get $w7) (v128.load offset=4 align=4 (local.get $x2))
                (f32x4.mul (local.get $w6) (v128.load align=4 (local.get $x2)))))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 16)))
        (br $next))))

  ;; acc[j] += sum_k w[k] * x[j + k], j < n (one row of a kW = 3 kernel, column dilation 1).
  (func (export "conv3") (param $acc i32) (param $x i32) (param $w i32) (param $n i32)
    (local $end i32) (local $w0 v128) (local $w1 v128) (local $w2 v128)
    (local.set $w0 (v128.load32_splat (local.get $w)))
    (local.set $w1 (v128.load32_splat offset=4 (local.get $w)))
    (local.set $w2 (v128.load32_splat offset=8 (local.get $w)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (v128.store align=4 (local.get $acc)
          (fma (local.get $w2) (v128.load offset=8 align=4 (local.get $x))
            (fma (local.get $w1) (v128.load offset=4 align=4 (local.get $x))
              (fma (local.get $w0) (v128.load align=4 (local.get $x)) (v128.load align=4 (local.get $acc))))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $next))))

  ;; One gradient row g (output column c + left - k sits at g[c + 2 - k]), one input row x, taps w[0..2]:
  ;;   dp[c] += w0 g[c + 2] + w1 g[c + 1] + w2 g[c]           (transposed convolution), c < n
  ;;   dW[k] += sum_{c < n} x[c] g[c + 2 - k]  (float64 dW)  (weight gradient)
  (func $grad3 (export "grad3") (param $dp i32) (param $g i32) (param $x i32) (param $w i32) (param $dW i32) (param $n i32)
    (local $end i32) (local $blockEnd i32) (local $rem i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $xv v128)
    (local $g0 v128) (local $g1 v128) (local $g2 v128) (local $mask v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128)
    (local.set $w0 (v128.load32_splat (local.get $w)))
    (local.set $w1 (v128.load32_splat offset=4 (local.get $w)))
    (local.set $w2 (v128.load32_splat offset=8 (local.get $w)))
    ;; whole quads first
    (local.set $end (i32.add (local.get $dp) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $dp) (local.get $end)))
        ;; at most 16 quads per float32 partial sum
        (local.set $blockEnd (i32.add (local.get $dp) (i32.const 256)))
        (if (i32.gt_u (local.get $blockEnd) (local.get $end)) (then (local.set $blockEnd (local.get $end))))
        (local.set $s0 (v128.const i64x2 0 0))
        (local.set $s1 (v128.const i64x2 0 0))
        (local.set $s2 (v128.const i64x2 0 0))
        (loop $next
          (local.set $g0 (v128.load align=4 (local.get $g)))
          (local.set $g1 (v128.load offset=4 align=4 (local.get $g)))
          (local.set $g2 (v128.load offset=8 align=4 (local.get $g)))
          (local.set $xv (v128.load align=4 (local.get $x)))
          (v128.store align=4 (local.get $dp)
            (fma (local.get $w2) (local.get $g0)
              (fma (local.get $w1) (local.get $g1)
                (fma (local.get $w0) (local.get $g2) (v128.load align=4 (local.get $dp))))))
          (local.set $s0 (fma (local.get $xv) (local.get $g2) (local.get $s0)))
          (local.set $s1 (fma (local.get $xv) (local.get $g1) (local.get $s1)))
          (local.set $s2 (fma (local.get $xv) (local.get $g0) (local.get $s2)))
          (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
          (local.set $g (i32.add (local.get $g) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $next (i32.lt_u (local.get $dp) (local.get $blockEnd))))
        (local.set $d0 (f64x2.add (f64x2.add (local.get $d0) (f64x2.promote_low_f32x4 (local.get $s0)))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s0) (local.get $s0)))))
        (local.set $d1 (f64x2.add (f64x2.add (local.get $d1) (f64x2.promote_low_f32x4 (local.get $s1)))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s1) (local.get $s1)))))
        (local.set $d2 (f64x2.add (f64x2.add (local.get $d2) (f64x2.promote_low_f32x4 (local.get $s2)))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s2) (local.get $s2)))))
        (br $block)))
    ;; the last partial quad: dp lanes past n are garbage (never read); dW gets only lanes < n
    (local.set $rem (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $rem)
      (then
        (local.set $mask (call $tailMask (local.get $rem)))
        (local.set $g0 (v128.load align=4 (local.get $g)))
        (local.set $g1 (v128.load offset=4 align=4 (local.get $g)))
        (local.set $g2 (v128.load offset=8 align=4 (local.get $g)))
        (local.set $xv (v128.load align=4 (local.get $x)))
        (v128.store align=4 (local.get $dp)
          (fma (local.get $w2) (local.get $g0)
            (fma (local.get $w1) (local.get $g1)
              (fma (local.get $w0) (local.get $g2) (v128.load align=4 (local.get $dp))))))
        (local.set $d0 (call $addPromoted (local.get $d0) (v128.and (local.get $mask) (f32x4.mul (local.get $xv) (local.get $g2)))))
        (local.set $d1 (call $addPromoted (local.get $d1) (v128.and (local.get $mask) (f32x4.mul (local.get $xv) (local.get $g1)))))
        (local.set $d2 (call $addPromoted (local.get $d2) (v128.and (local.get $mask) (f32x4.mul (local.get $xv) (local.get $g0)))))))
    (f64.store (local.get $dW) (f64.add (f64.load (local.get $dW))
      (f64.add (f64x2.extract_lane 0 (local.get $d0)) (f64x2.extract_lane 1 (local.get $d0)))))
    (f64.store offset=8 (local.get $dW) (f64.add (f64.load offset=8 (local.get $dW))
      (f64.add (f64x2.extract_lane 0 (local.get $d1)) (f64x2.extract_lane 1 (local.get $d1)))))
    (f64.store offset=16 (local.get $dW) (f64.add (f64.load offset=16 (local.get $dW))
      (f64.add (f64x2.extract_lane 0 (local.get $d2)) (f64x2.extract_lane 1 (local.get $d2))))))

  ;; conv3x3 over `count` input channels in one call (one JavaScript-to-wasm transition per output row
  ;; and channel instead of one per input channel): table holds 3 i32 row addresses per channel, the
  ;; channels' 9 weights follow each other from w.
  (func (export "conv3x3Multi") (param $acc i32) (param $table i32) (param $w i32) (param $n i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (call $conv3x3 (local.get $acc)
          (i32.load (local.get $table)) (i32.load offset=4 (local.get $table)) (i32.load offset=8 (local.get $table))
          (local.get $w) (local.get $n))
        (local.set $table (i32.add (local.get $table) (i32.const 12)))
        (local.set $w (i32.add (local.get $w) (i32.const 36)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  ;; grad3 over `count` (gradient row, weights, dW) triples in one call: table holds 3 i32 addresses each.
  (func (export "grad3Multi") (param $dp i32) (param $x i32) (param $table i32) (param $n i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (call $grad3 (local.get $dp) (i32.load (local.get $table)) (local.get $x)
          (i32.load offset=4 (local.get $table)) (i32.load offset=8 (local.get $table)) (local.get $n))
        (local.set $table (i32.add (local.get $table) (i32.const 12)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  ;; sum_{c < n} a[c] * b[c] (b = 0: sum_{c < n} a[c]), float32 products added in float64.
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f64)
    (local $end i32) (local $v v128) (local $sum v128) (local $rem i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $v (v128.load align=4 (local.get $a)))
        (if (local.get $b)
          (then
            (local.set $v (f32x4.mul (local.get $v) (v128.load align=4 (local.get $b))))
            (local.set $b (i32.add (local.get $b) (i32.const 16)))))
        ;; $addPromoted, inlined (the engine does not inline wasm calls)
        (local.set $sum (f64x2.add
          (f64x2.add (local.get $sum) (f64x2.promote_low_f32x4 (local.get $v)))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $next)))
    (local.set $rem (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $rem)
      (then
        (local.set $v (v128.load align=4 (local.get $a)))
        (if (local.get $b) (then (local.set $v (f32x4.mul (local.get $v) (v128.load align=4 (local.get $b))))))
        (local.set $sum (call $addPromoted (local.get $sum) (v128.and (call $tailMask (local.get $rem)) (local.get $v))))))
    (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum))))

  ;; g[c] = p[c] * (g[c] - dot(p, g)) for c < n, in place: the softmax VJP.
  (func (export "softmaxVjp") (param $p i32) (param $g i32) (param $n i32)
    (local $end i32) (local $d v128)
    (local.set $d (f32x4.splat (f32.demote_f64 (call $dot (local.get $p) (local.get $g) (local.get $n)))))
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (v128.store align=4 (local.get $g)
          (f32x4.mul (v128.load align=4 (local.get $p)) (f32x4.sub (v128.load align=4 (local.get $g)) (local.get $d))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $next))))

  ;; exp(d) for d <= 0 (lanes; softmax's main loop has a copy inlined): k = round(d / ln2) by the 1.5 * 2^23 trick, r = (d - k ln2_hi) - k ln2_lo,
  ;; exp(d) = 2^k * (degree-7 Taylor of exp(r)), |r| <= ln2 / 2, relative error ~1e-7. 2^k is added to the
  ;; exponent field, exact while the result is normal: d < -86 (and NaN) gives 0 (exp(-86) ~ 4e-38).
  (func $exp (param $d v128) (result v128)
    (local $t v128) (local $k v128) (local $r v128) (local $p v128)
    (local.set $t (f32x4.add (f32x4.mul (local.get $d) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
      (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $k (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $d) (f32x4.mul (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $k) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    ;; Horner from 1/7! down to 1
    (local.set $p (v128.const f32x4 1.98412698e-4 1.98412698e-4 1.98412698e-4 1.98412698e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    ;; bits(t) - bits(1.5 * 2^23) = k (two's complement in the low mantissa bits)
    (v128.and
      (i32x4.add (local.get $p)
        (i32x4.shl (i32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)) (i32.const 23)))
      (f32x4.ge (local.get $d) (v128.const f32x4 -86 -86 -86 -86))))

  ;; In-place softmax of the n floats at row. Lanes c >= n of the last quad are written as 0 (they may be
  ;; a ring slot's zero padding). A NaN or +Inf entry, or all entries -Inf, makes the row all NaN.
  (func (export "softmax") (param $row i32) (param $n i32)
    (local $p i32) (local $end i32) (local $quadsEnd i32) (local $rem i32)
    (local $max v128) (local $m f32) (local $v v128) (local $mask v128) (local $sum v128) (local $inv v128)
    (local $d v128) (local $t v128) (local $k v128) (local $r v128) (local $e v128)
    (local $cLog2e v128) (local $cShift v128) (local $cLn2Hi v128) (local $cLn2Lo v128) (local $c7 v128) (local $c6 v128)
    (local $c5 v128) (local $c4 v128) (local $c3 v128) (local $c2 v128) (local $c1 v128) (local $cFlush v128)
    (local.set $end (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $quadsEnd (i32.add (local.get $row) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $rem (i32.and (local.get $n) (i32.const 3)))
    (local.set $mask (call $tailMask (local.get $rem)))
    ;; max; f32x4.max propagates NaN
    (local.set $max (f32x4.splat (f32.load (local.get $row))))
    (local.set $p (local.get $row))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $quadsEnd)))
        (local.set $max (f32x4.max (local.get $max) (v128.load align=4 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (if (local.get $rem)
      (then
        (local.set $max (f32x4.max (local.get $max)
          (v128.bitselect (v128.load align=4 (local.get $p)) (v128.const f32x4 -inf -inf -inf -inf) (local.get $mask))))))
    (local.set $m (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
      (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
    (local.set $max (f32x4.splat (local.get $m)))
    ;; exp and sum (float64)
    ;; constants in locals: V8 rematerialises a v128.const at every use inside a loop
    (local.set $cLog2e (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
    (local.set $cShift (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $cLn2Hi (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))
    (local.set $cLn2Lo (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))
    (local.set $c7 (v128.const f32x4 1.98412698e-4 1.98412698e-4 1.98412698e-4 1.98412698e-4))
    (local.set $c6 (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3))
    (local.set $c5 (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3))
    (local.set $c4 (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2))
    (local.set $c3 (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667))
    (local.set $c2 (v128.const f32x4 0.5 0.5 0.5 0.5))
    (local.set $c1 (v128.const f32x4 1 1 1 1))
    (local.set $cFlush (v128.const f32x4 -86 -86 -86 -86))
    (local.set $p (local.get $row))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $quadsEnd)))
        ;; $exp and $addPromoted, inlined (the engine does not inline wasm calls)
        (local.set $d (f32x4.sub (v128.load align=4 (local.get $p)) (local.get $max)))
        (local.set $t (f32x4.add (f32x4.mul (local.get $d) (local.get $cLog2e))
          (local.get $cShift)))
        (local.set $k (f32x4.sub (local.get $t) (local.get $cShift)))
        (local.set $r (f32x4.sub
          (f32x4.sub (local.get $d) (f32x4.mul (local.get $k) (local.get $cLn2Hi)))
          (f32x4.mul (local.get $k) (local.get $cLn2Lo))))
        (local.set $e (local.get $c7))
        (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c6)))
        (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c5)))
        (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c4)))
        (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c3)))
        (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c2)))
        (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c1)))
        (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c1)))
        (local.set $v (v128.and
          (i32x4.add (local.get $e)
            (i32x4.shl (i32x4.sub (local.get $t) (local.get $cShift)) (i32.const 23)))
          (f32x4.ge (local.get $d) (local.get $cFlush))))
        (v128.store align=4 (local.get $p) (local.get $v))
        (local.set $sum (f64x2.add
          (f64x2.add (local.get $sum) (f64x2.promote_low_f32x4 (local.get $v)))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (if (local.get $rem)
      (then
        (local.set $v (v128.and (local.get $mask) (call $exp (f32x4.sub (v128.load align=4 (local.get $p)) (local.get $max)))))
        (v128.store align=4 (local.get $p) (local.get $v))
        (local.set $sum (call $addPromoted (local.get $sum) (local.get $v)))))
    (local.set $inv (f32x4.splat (f32.demote_f64 (f64.div (f64.const 1)
      (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum)))))))
    (local.set $p (local.get $row))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store align=4 (local.get $p) (f32x4.mul (v128.load align=4 (local.get $p)) (local.get $inv)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next))))
)
