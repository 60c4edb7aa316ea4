;; float64 (f64x2) row loops of the fused MTA kernels: every float64 call, and float32 ones the f32x4 loops
;; (rows-f32.wat) do not take (sparsemax, kernels other than 3 wide), on their float64 rings.
;;
;; Source of rows-f64.generated.ts (tools/wasm/build.ts assembles it with wabt). Each output element is
;; computed with exactly the operations, in exactly the order, of the JavaScript loops (conv-rows.ts,
;; activation-rows.ts, softmax-exp.ts): two lanes at a time, the odd tail on its own, so results are
;; bit-identical to the JavaScript fallback; only grad3's weight-gradient sums are reassociated (even and
;; odd lanes, as pairwiseDot). Arguments are byte addresses in the imported (private) memory, n the row
;; length. The constants are softmax-exp.ts's, as hexadecimal floats (a test checks them).
(module
  (import "env" "memory" (memory 1))

  ;; acc[j] += ((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7)) + t8 with t_k = w[k] x_(k/3)[j + k%3],
  ;; as convRows3x3 writes it.
  (func (export "conv3x3") (param $acc i32) (param $x0 i32) (param $x1 i32) (param $x2 i32) (param $w i32) (param $n i32)
    (local $end i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128)
    (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128)
    (local.set $w0 (f64x2.splat (f64.load offset=0 (local.get $w))))
    (local.set $w1 (f64x2.splat (f64.load offset=8 (local.get $w))))
    (local.set $w2 (f64x2.splat (f64.load offset=16 (local.get $w))))
    (local.set $w3 (f64x2.splat (f64.load offset=24 (local.get $w))))
    (local.set $w4 (f64x2.splat (f64.load offset=32 (local.get $w))))
    (local.set $w5 (f64x2.splat (f64.load offset=40 (local.get $w))))
    (local.set $w6 (f64x2.splat (f64.load offset=48 (local.get $w))))
    (local.set $w7 (f64x2.splat (f64.load offset=56 (local.get $w))))
    (local.set $w8 (f64x2.splat (f64.load offset=64 (local.get $w))))
    (local.set $end (i32.add (local.get $acc) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (v128.store (local.get $acc) (f64x2.add (v128.load (local.get $acc))
          (f64x2.add (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $w0) (v128.load offset=0 (local.get $x0))) (f64x2.mul (local.get $w1) (v128.load offset=8 (local.get $x0)))) (f64x2.add (f64x2.mul (local.get $w2) (v128.load offset=16 (local.get $x0))) (f64x2.mul (local.get $w3) (v128.load offset=0 (local.get $x1))))) (f64x2.add (f64x2.add (f64x2.mul (local.get $w4) (v128.load offset=8 (local.get $x1))) (f64x2.mul (local.get $w5) (v128.load offset=16 (local.get $x1)))) (f64x2.add (f64x2.mul (local.get $w6) (v128.load offset=0 (local.get $x2))) (f64x2.mul (local.get $w7) (v128.load offset=8 (local.get $x2)))))) (f64x2.mul (local.get $w8) (v128.load offset=16 (local.get $x2))))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 16)))
        (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (local.get $acc) (f64.add (f64.load (local.get $acc))
          (f64.add (f64.add (f64.add (f64.add (f64.mul (f64.load offset=0 (local.get $w)) (f64.load offset=0 (local.get $x0))) (f64.mul (f64.load offset=8 (local.get $w)) (f64.load offset=8 (local.get $x0)))) (f64.add (f64.mul (f64.load offset=16 (local.get $w)) (f64.load offset=16 (local.get $x0))) (f64.mul (f64.load offset=24 (local.get $w)) (f64.load offset=0 (local.get $x1))))) (f64.add (f64.add (f64.mul (f64.load offset=32 (local.get $w)) (f64.load offset=8 (local.get $x1))) (f64.mul (f64.load offset=40 (local.get $w)) (f64.load offset=16 (local.get $x1)))) (f64.add (f64.mul (f64.load offset=48 (local.get $w)) (f64.load offset=0 (local.get $x2))) (f64.mul (f64.load offset=56 (local.get $w)) (f64.load offset=8 (local.get $x2)))))) (f64.mul (f64.load offset=64 (local.get $w)) (f64.load offset=16 (local.get $x2)))))))))

  ;; acc[j] += (w0 x[j] + w1 x[j + 1]) + w2 x[j + 2], as convRow3.
  (func (export "conv3") (param $acc i32) (param $x i32) (param $w i32) (param $n i32)
    (local $end i32) (local $w0 v128) (local $w1 v128) (local $w2 v128)
    (local.set $w0 (f64x2.splat (f64.load offset=0 (local.get $w))))
    (local.set $w1 (f64x2.splat (f64.load offset=8 (local.get $w))))
    (local.set $w2 (f64x2.splat (f64.load offset=16 (local.get $w))))
    (local.set $end (i32.add (local.get $acc) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (v128.store (local.get $acc) (f64x2.add (v128.load (local.get $acc)) (f64x2.add (f64x2.add (f64x2.mul (local.get $w0) (v128.load offset=0 (local.get $x))) (f64x2.mul (local.get $w1) (v128.load offset=8 (local.get $x)))) (f64x2.mul (local.get $w2) (v128.load offset=16 (local.get $x))))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (local.get $acc) (f64.add (f64.load (local.get $acc)) (f64.add (f64.add (f64.mul (f64.load offset=0 (local.get $w)) (f64.load offset=0 (local.get $x))) (f64.mul (f64.load offset=8 (local.get $w)) (f64.load offset=8 (local.get $x)))) (f64.mul (f64.load offset=16 (local.get $w)) (f64.load offset=16 (local.get $x)))))))))

  ;; dp[c] += (w0 g[c + 2] + w1 g[c + 1]) + w2 g[c], as gradRow3; dW[k] += sum_c x[c] g[c + 2 - k], the
  ;; sums over even and odd lanes, then the odd tail.
  (func (export "grad3") (param $dp i32) (param $g i32) (param $x i32) (param $w i32) (param $dW i32) (param $n i32)
    (local $end i32) (local $w0 v128) (local $w1 v128) (local $w2 v128)
    (local $S0 v128) (local $S1 v128) (local $S2 v128) (local $xv v128)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $xs f64)
    (local.set $w0 (f64x2.splat (f64.load offset=0 (local.get $w))))
    (local.set $w1 (f64x2.splat (f64.load offset=8 (local.get $w))))
    (local.set $w2 (f64x2.splat (f64.load offset=16 (local.get $w))))
    (local.set $end (i32.add (local.get $dp) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $dp) (local.get $end)))
        (local.set $xv (v128.load (local.get $x)))
        (v128.store (local.get $dp) (f64x2.add (v128.load (local.get $dp)) (f64x2.add (f64x2.add (f64x2.mul (local.get $w0) (v128.load offset=16 (local.get $g))) (f64x2.mul (local.get $w1) (v128.load offset=8 (local.get $g)))) (f64x2.mul (local.get $w2) (v128.load offset=0 (local.get $g))))))
        (local.set $S0 (f64x2.add (local.get $S0) (f64x2.mul (local.get $xv) (v128.load offset=16 (local.get $g)))))
        (local.set $S1 (f64x2.add (local.get $S1) (f64x2.mul (local.get $xv) (v128.load offset=8 (local.get $g)))))
        (local.set $S2 (f64x2.add (local.get $S2) (f64x2.mul (local.get $xv) (v128.load (local.get $g)))))
        (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $next)))
    (local.set $s0 (f64.add (f64x2.extract_lane 0 (local.get $S0)) (f64x2.extract_lane 1 (local.get $S0))))
    (local.set $s1 (f64.add (f64x2.extract_lane 0 (local.get $S1)) (f64x2.extract_lane 1 (local.get $S1))))
    (local.set $s2 (f64.add (f64x2.extract_lane 0 (local.get $S2)) (f64x2.extract_lane 1 (local.get $S2))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $xs (f64.load (local.get $x)))
        (f64.store (local.get $dp) (f64.add (f64.load (local.get $dp)) (f64.add (f64.add (f64.mul (f64.load offset=0 (local.get $w)) (f64.load offset=16 (local.get $g))) (f64.mul (f64.load offset=8 (local.get $w)) (f64.load offset=8 (local.get $g)))) (f64.mul (f64.load offset=16 (local.get $w)) (f64.load offset=0 (local.get $g))))))
        (local.set $s0 (f64.add (local.get $s0) (f64.mul (local.get $xs) (f64.load offset=16 (local.get $g)))))
        (local.set $s1 (f64.add (local.get $s1) (f64.mul (local.get $xs) (f64.load offset=8 (local.get $g)))))
        (local.set $s2 (f64.add (local.get $s2) (f64.mul (local.get $xs) (f64.load (local.get $g)))))))
    (f64.store (local.get $dW) (f64.add (f64.load (local.get $dW)) (local.get $s0)))
    (f64.store offset=8 (local.get $dW) (f64.add (f64.load offset=8 (local.get $dW)) (local.get $s1)))
    (f64.store offset=16 (local.get $dW) (f64.add (f64.load offset=16 (local.get $dW)) (local.get $s2))))

  ;; sum_c a[c] b[c]: even and odd lanes, then the odd tail, as pairwiseDot.
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f64)
    (local $end i32) (local $S v128) (local $s f64)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $S (f64x2.add (local.get $S) (f64x2.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $S)) (f64x2.extract_lane 1 (local.get $S))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $a)) (f64.load (local.get $b)))))))
    (local.get $s))

  ;; g[c] = p[c] (g[c] - dot(p, g)) in place: the softmax VJP (softmaxVjpRow with pairwiseDot's dot).
  (func (export "softmaxVjp") (param $p i32) (param $g i32) (param $n i32)
    (local $end i32) (local $dot f64) (local $vdot v128)
    (local.set $dot (call $dot (local.get $p) (local.get $g) (local.get $n)))
    (local.set $vdot (f64x2.splat (local.get $dot)))
    (local.set $end (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (v128.store (local.get $g) (f64x2.mul (v128.load (local.get $p)) (f64x2.sub (v128.load (local.get $g)) (local.get $vdot))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $g) (f64.mul (f64.load (local.get $p)) (f64.sub (f64.load (local.get $g)) (local.get $dot)))))))

  ;; In-place softmax of n float64 at row, as softmaxInPlace: max; exp(x - max) with sums of even and odd
  ;; lanes, the odd tail through the same vector code on a splat (so it gets the same bits); 1 / sum.
  (func (export "softmax") (param $row i32) (param $n i32)
    (local $end i32) (local $p i32) (local $vmax v128) (local $vsum v128) (local $max f64) (local $sum f64)
    (local $d v128) (local $t v128) (local $r v128) (local $r2 v128) (local $r4 v128) (local $r8 v128)
    (local $b1 v128) (local $e v128)
    (local $kLog2e v128) (local $kShift v128) (local $kLn2Hi v128) (local $kLn2Lo v128) (local $kFlush v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128)
    (local $c7 v128) (local $c8 v128) (local $c9 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128)
    ;; softmax-exp.ts: LOG2E, EXP_ROUND_SHIFT (1.5 * 2^52), LN2_HI, LN2_LO, EXP_FLUSH_BELOW, EXP_TAYLOR (1/q!)
    (local.set $kLog2e (f64x2.splat (f64.const 0x1.71547652b82fep+0)))
    (local.set $kShift (f64x2.splat (f64.const 0x1.8p+52)))
    (local.set $kLn2Hi (f64x2.splat (f64.const 0x1.62e42feep-1)))
    (local.set $kLn2Lo (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))
    (local.set $kFlush (f64x2.splat (f64.const -0x1.618p+9)))
    (local.set $c0 (f64x2.splat (f64.const 0x1p+0)))
    (local.set $c1 (f64x2.splat (f64.const 0x1p+0)))
    (local.set $c2 (f64x2.splat (f64.const 0x1p-1)))
    (local.set $c3 (f64x2.splat (f64.const 0x1.5555555555555p-3)))
    (local.set $c4 (f64x2.splat (f64.const 0x1.5555555555555p-5)))
    (local.set $c5 (f64x2.splat (f64.const 0x1.1111111111111p-7)))
    (local.set $c6 (f64x2.splat (f64.const 0x1.6c16c16c16c17p-10)))
    (local.set $c7 (f64x2.splat (f64.const 0x1.a01a01a01a01ap-13)))
    (local.set $c8 (f64x2.splat (f64.const 0x1.a01a01a01a01ap-16)))
    (local.set $c9 (f64x2.splat (f64.const 0x1.71de3a556c734p-19)))
    (local.set $c10 (f64x2.splat (f64.const 0x1.27e4fb7789f5cp-22)))
    (local.set $c11 (f64x2.splat (f64.const 0x1.ae64567f544e4p-26)))
    (local.set $c12 (f64x2.splat (f64.const 0x1.1eed8eff8d898p-29)))
    (local.set $end (i32.add (local.get $row) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    ;; max
    (local.set $vmax (f64x2.splat (f64.load (local.get $row))))
    (local.set $p (local.get $row))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $vmax (f64x2.max (local.get $vmax) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (local.set $max (f64.max (f64x2.extract_lane 0 (local.get $vmax)) (f64x2.extract_lane 1 (local.get $vmax))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (local.set $max (f64.max (local.get $max) (f64.load (local.get $p))))))
    ;; exp(x - max) in place, sums of even and odd lanes
    (local.set $p (local.get $row))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $d (f64x2.sub (v128.load (local.get $p)) (f64x2.splat (local.get $max))))
        (local.set $t (f64x2.add (f64x2.mul (local.get $d) (local.get $kLog2e)) (local.get $kShift)))
        ;; r = (d - kf ln2_hi) - kf ln2_lo with kf = t - shift
        (local.set $r (f64x2.sub
          (f64x2.sub (local.get $d) (f64x2.mul (f64x2.sub (local.get $t) (local.get $kShift)) (local.get $kLn2Hi)))
          (f64x2.mul (f64x2.sub (local.get $t) (local.get $kShift)) (local.get $kLn2Lo))))
        (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
        (local.set $r8 (f64x2.mul (local.get $r4) (local.get $r4)))
        ;; Estrin, exactly as expNonPositive: b_k = (c[4k] + c[4k+1] r) + (c[4k+2] + c[4k+3] r) r2,
        ;; poly = (b0 + b1 r4) + (b2 + c12 r4) r8
        (local.set $b1 (f64x2.add (f64x2.add (local.get $c4) (f64x2.mul (local.get $c5) (local.get $r))) (f64x2.mul (f64x2.add (local.get $c6) (f64x2.mul (local.get $c7) (local.get $r))) (local.get $r2))))
        (local.set $e (f64x2.add
          (f64x2.add (f64x2.add (f64x2.add (local.get $c0) (f64x2.mul (local.get $c1) (local.get $r))) (f64x2.mul (f64x2.add (local.get $c2) (f64x2.mul (local.get $c3) (local.get $r))) (local.get $r2))) (f64x2.mul (local.get $b1) (local.get $r4)))
          (f64x2.mul (f64x2.add (f64x2.add (f64x2.add (local.get $c8) (f64x2.mul (local.get $c9) (local.get $r))) (f64x2.mul (f64x2.add (local.get $c10) (f64x2.mul (local.get $c11) (local.get $r))) (local.get $r2))) (f64x2.mul (local.get $c12) (local.get $r4))) (local.get $r8))))
        ;; 2^k added to the exponent field: bits(t) - bits(shift) = k; d < -707 (and NaN) gives 0
        (local.set $e (v128.and
          (i64x2.add (local.get $e) (i64x2.shl (i64x2.sub (local.get $t) (local.get $kShift)) (i32.const 52)))
          (f64x2.ge (local.get $d) (local.get $kFlush))))
        (v128.store (local.get $p) (local.get $e))
        (local.set $vsum (f64x2.add (local.get $vsum) (local.get $e)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $vsum)) (f64x2.extract_lane 1 (local.get $vsum))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $d (f64x2.splat (f64.sub (f64.load (local.get $p)) (local.get $max))))
          (local.set $t (f64x2.add (f64x2.mul (local.get $d) (local.get $kLog2e)) (local.get $kShift)))
          ;; r = (d - kf ln2_hi) - kf ln2_lo with kf = t - shift
          (local.set $r (f64x2.sub
            (f64x2.sub (local.get $d) (f64x2.mul (f64x2.sub (local.get $t) (local.get $kShift)) (local.get $kLn2Hi)))
            (f64x2.mul (f64x2.sub (local.get $t) (local.get $kShift)) (local.get $kLn2Lo))))
          (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
          (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
          (local.set $r8 (f64x2.mul (local.get $r4) (local.get $r4)))
          ;; Estrin, exactly as expNonPositive: b_k = (c[4k] + c[4k+1] r) + (c[4k+2] + c[4k+3] r) r2,
          ;; poly = (b0 + b1 r4) + (b2 + c12 r4) r8
          (local.set $b1 (f64x2.add (f64x2.add (local.get $c4) (f64x2.mul (local.get $c5) (local.get $r))) (f64x2.mul (f64x2.add (local.get $c6) (f64x2.mul (local.get $c7) (local.get $r))) (local.get $r2))))
          (local.set $e (f64x2.add
            (f64x2.add (f64x2.add (f64x2.add (local.get $c0) (f64x2.mul (local.get $c1) (local.get $r))) (f64x2.mul (f64x2.add (local.get $c2) (f64x2.mul (local.get $c3) (local.get $r))) (local.get $r2))) (f64x2.mul (local.get $b1) (local.get $r4)))
            (f64x2.mul (f64x2.add (f64x2.add (f64x2.add (local.get $c8) (f64x2.mul (local.get $c9) (local.get $r))) (f64x2.mul (f64x2.add (local.get $c10) (f64x2.mul (local.get $c11) (local.get $r))) (local.get $r2))) (f64x2.mul (local.get $c12) (local.get $r4))) (local.get $r8))))
          ;; 2^k added to the exponent field: bits(t) - bits(shift) = k; d < -707 (and NaN) gives 0
          (local.set $e (v128.and
            (i64x2.add (local.get $e) (i64x2.shl (i64x2.sub (local.get $t) (local.get $kShift)) (i32.const 52)))
            (f64x2.ge (local.get $d) (local.get $kFlush))))
        (f64.store (local.get $p) (f64x2.extract_lane 0 (local.get $e)))
        (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $e))))))
    ;; scale by 1 / sum
    (local.set $vmax (f64x2.splat (f64.div (f64.const 1) (local.get $sum))))
    (local.set $p (local.get $row))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p) (f64x2.mul (v128.load (local.get $p)) (local.get $vmax)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $p) (f64.mul (f64.load (local.get $p)) (f64x2.extract_lane 0 (local.get $vmax)))))))
)
