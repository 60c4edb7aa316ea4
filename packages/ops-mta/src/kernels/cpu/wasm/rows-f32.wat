;; float32 row loops of the fused MTA kernels: 4 lanes (f32x4), FMA where the engine has relaxed SIMD.
;;
;; Source of rows-f32.generated.ts (tools/wasm/build.ts assembles it with wabt, four times):
;;   every fma form, fma(A, B, C) = A * B + C, becomes f32x4.relaxed_madd in the "relaxed" modules and
;;   f32x4.add (f32x4.mul A B) C in the "fallback" ones (engines without relaxed SIMD, e.g. Node 20);
;;   the "shared" modules import a shared memory (the cpu device's arena, where tensors live, so the loops
;;   read and write map rows in place, on every pool thread), the "private" ones a plain memory (engines
;;   without shared memory: every map row is staged through it).
;;
;; Arguments are byte addresses in the imported memory (env.memory), n the valid columns of a row (c < n),
;; L the length of a map row. Three kinds of rows:
;;   - ring and scratch rows (kernels/cpu/scratch-f32.ts): slots with slack, so element-wise loops run whole
;;     quads; lanes at c >= n compute garbage that nobody reads (or that is masked before it counts);
;;   - input map rows (scores, gradOut, the saved map): read in whole quads, so up to 3 floats past n (past the
;;     row's end when n = L: the arena leaves 64 bytes of slack after every range); those lanes are masked;
;;   - output map rows: written only through $putRow, which writes exactly L floats (values, then zeros).
;; Reductions that can span a whole row (weight/bias gradient sums, softmax sums, dots) end in float64:
;; float32 lanes add at most 16 terms, then fold into float64 (plain float32 sums over B*L^2 terms put
;; grad_weight outside 1e-5).
(module
  (import "env" "memory" (memory 1 65535 shared))

  ;; All-ones in lanes k < rem (0 <= rem < 4), zero elsewhere.
  (func $tailMask (param $rem i32) (result v128)
    (i32x4.lt_s (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $rem))))

  ;; Both halves of a float32 quad promoted to float64 and added to a float64 pair.
  (func $addPromoted (param $sum v128) (param $v v128) (result v128)
    (f64x2.add
      (f64x2.add (local.get $sum) (f64x2.promote_low_f32x4 (local.get $v)))
      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))

  ;; Zeros from byte address p up to end (exclusive; end - p a multiple of 4; nothing when end <= p).
  (func $zeroRange (export "zero") (param $p i32) (param $end i32)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (v128.store align=4 (local.get $p) (v128.const i64x2 0 0))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (f32.store (local.get $p) (f32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next))))

  ;; Output map row dst (L floats) = src[c] for c < n, then zeros: writes nothing outside the row, so rows
  ;; that other threads own stay untouched. memory.copy and memory.fill (the engine's memmove and memset)
  ;; write map rows 2-3x faster than v128 stores here: they store whole cache lines without reading them
  ;; first, where v128 stores to a line not in cache read it from memory before writing it.
  (func $putRow (export "storeRow") (param $dst i32) (param $src i32) (param $n i32) (param $L i32)
    (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (memory.copy (local.get $dst) (local.get $src) (local.get $bytes))
    (memory.fill (i32.add (local.get $dst) (local.get $bytes)) (i32.const 0)
      (i32.shl (i32.sub (local.get $L) (local.get $n)) (i32.const 2))))

  ;; 3x3 kernel, column dilation 1: acc[j] += sum_{r,k} w[3r + k] * x_r[j + k], j < n, as one chain of
  ;; multiply-adds in tap order (w0 x0[j] first), two quads per iteration while a second one starts before
  ;; the end. Every output row is this chain, whether computed alone or in a pair (conv3x3Pair), so pairing
  ;; changes no bit. (A chain per input row added at the end held more registers: V8 spilled in the pairs.)
  (func $conv3x3 (export "conv3x3") (param $acc i32) (param $x0 i32) (param $x1 i32) (param $x2 i32) (param $w i32) (param $n i32)
    (local $end i32) (local $end2 i32)
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
    (local.set $end2 (i32.sub (local.get $end) (i32.const 16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end2)))
        (v128.store align=4 (local.get $acc) (fma (local.get $w8) (v128.load offset=8 align=4 (local.get $x2)) (fma (local.get $w7) (v128.load offset=4 align=4 (local.get $x2)) (fma (local.get $w6) (v128.load align=4 (local.get $x2)) (fma (local.get $w5) (v128.load offset=8 align=4 (local.get $x1)) (fma (local.get $w4) (v128.load offset=4 align=4 (local.get $x1)) (fma (local.get $w3) (v128.load align=4 (local.get $x1)) (fma (local.get $w2) (v128.load offset=8 align=4 (local.get $x0)) (fma (local.get $w1) (v128.load offset=4 align=4 (local.get $x0)) (fma (local.get $w0) (v128.load align=4 (local.get $x0)) (v128.load align=4 (local.get $acc))))))))))))
        (v128.store offset=16 align=4 (local.get $acc) (fma (local.get $w8) (v128.load offset=24 align=4 (local.get $x2)) (fma (local.get $w7) (v128.load offset=20 align=4 (local.get $x2)) (fma (local.get $w6) (v128.load offset=16 align=4 (local.get $x2)) (fma (local.get $w5) (v128.load offset=24 align=4 (local.get $x1)) (fma (local.get $w4) (v128.load offset=20 align=4 (local.get $x1)) (fma (local.get $w3) (v128.load offset=16 align=4 (local.get $x1)) (fma (local.get $w2) (v128.load offset=24 align=4 (local.get $x0)) (fma (local.get $w1) (v128.load offset=20 align=4 (local.get $x0)) (fma (local.get $w0) (v128.load offset=16 align=4 (local.get $x0)) (v128.load offset=16 align=4 (local.get $acc))))))))))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 32)))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 32)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 32)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 32)))
        (br $next)))
    (if (i32.lt_u (local.get $acc) (local.get $end))
      (then (v128.store align=4 (local.get $acc) (fma (local.get $w8) (v128.load offset=8 align=4 (local.get $x2)) (fma (local.get $w7) (v128.load offset=4 align=4 (local.get $x2)) (fma (local.get $w6) (v128.load align=4 (local.get $x2)) (fma (local.get $w5) (v128.load offset=8 align=4 (local.get $x1)) (fma (local.get $w4) (v128.load offset=4 align=4 (local.get $x1)) (fma (local.get $w3) (v128.load align=4 (local.get $x1)) (fma (local.get $w2) (v128.load offset=8 align=4 (local.get $x0)) (fma (local.get $w1) (v128.load offset=4 align=4 (local.get $x0)) (fma (local.get $w0) (v128.load align=4 (local.get $x0)) (v128.load align=4 (local.get $acc)))))))))))))))

  ;; conv3x3 for a row's first input channel: the chain starts from the bias b instead of acc (one pass less
  ;; than filling acc with b first, same sums).
  (func $conv3x3Bias (param $acc i32) (param $x0 i32) (param $x1 i32) (param $x2 i32) (param $w i32) (param $n i32) (param $b f32)
    (local $end i32) (local $end2 i32) (local $bias v128)
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
    (local.set $end2 (i32.sub (local.get $end) (i32.const 16)))
    (local.set $bias (f32x4.splat (local.get $b)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end2)))
        (v128.store align=4 (local.get $acc) (fma (local.get $w8) (v128.load offset=8 align=4 (local.get $x2)) (fma (local.get $w7) (v128.load offset=4 align=4 (local.get $x2)) (fma (local.get $w6) (v128.load align=4 (local.get $x2)) (fma (local.get $w5) (v128.load offset=8 align=4 (local.get $x1)) (fma (local.get $w4) (v128.load offset=4 align=4 (local.get $x1)) (fma (local.get $w3) (v128.load align=4 (local.get $x1)) (fma (local.get $w2) (v128.load offset=8 align=4 (local.get $x0)) (fma (local.get $w1) (v128.load offset=4 align=4 (local.get $x0)) (fma (local.get $w0) (v128.load align=4 (local.get $x0)) (local.get $bias)))))))))))
        (v128.store offset=16 align=4 (local.get $acc) (fma (local.get $w8) (v128.load offset=24 align=4 (local.get $x2)) (fma (local.get $w7) (v128.load offset=20 align=4 (local.get $x2)) (fma (local.get $w6) (v128.load offset=16 align=4 (local.get $x2)) (fma (local.get $w5) (v128.load offset=24 align=4 (local.get $x1)) (fma (local.get $w4) (v128.load offset=20 align=4 (local.get $x1)) (fma (local.get $w3) (v128.load offset=16 align=4 (local.get $x1)) (fma (local.get $w2) (v128.load offset=24 align=4 (local.get $x0)) (fma (local.get $w1) (v128.load offset=20 align=4 (local.get $x0)) (fma (local.get $w0) (v128.load offset=16 align=4 (local.get $x0)) (local.get $bias)))))))))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 32)))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 32)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 32)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 32)))
        (br $next)))
    (if (i32.lt_u (local.get $acc) (local.get $end))
      (then (v128.store align=4 (local.get $acc) (fma (local.get $w8) (v128.load offset=8 align=4 (local.get $x2)) (fma (local.get $w7) (v128.load offset=4 align=4 (local.get $x2)) (fma (local.get $w6) (v128.load align=4 (local.get $x2)) (fma (local.get $w5) (v128.load offset=8 align=4 (local.get $x1)) (fma (local.get $w4) (v128.load offset=4 align=4 (local.get $x1)) (fma (local.get $w3) (v128.load align=4 (local.get $x1)) (fma (local.get $w2) (v128.load offset=8 align=4 (local.get $x0)) (fma (local.get $w1) (v128.load offset=4 align=4 (local.get $x0)) (fma (local.get $w0) (v128.load align=4 (local.get $x0)) (local.get $bias))))))))))))))

  ;; Two output rows at once: acc0 from rows x0, x1, x2 and acc1 from x1, x2, x3 (consecutive output rows,
  ;; row dilation 1), the same chain per row as conv3x3; j < n for both (the first row's extra columns are
  ;; lanes nobody reads). Rows x1 and x2 are loaded once: ~40% less time than two conv3x3 calls.
  (func $conv3x3Pair (param $acc0 i32) (param $acc1 i32) (param $x0 i32) (param $x1 i32) (param $x2 i32) (param $x3 i32) (param $w i32) (param $n i32)
    (local $end i32) (local $s0 v128) (local $s1 v128) (local $y0 v128) (local $y1 v128) (local $y2 v128)
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
    (local.set $end (i32.add (local.get $acc0) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc0) (local.get $end)))
        ;; rows x1 and x2 are loaded once for both output rows
        (local.set $s0 (fma (local.get $w2) (v128.load offset=8 align=4 (local.get $x0)) (fma (local.get $w1) (v128.load offset=4 align=4 (local.get $x0)) (fma (local.get $w0) (v128.load align=4 (local.get $x0)) (v128.load align=4 (local.get $acc0))))))
        (local.set $y0 (v128.load align=4 (local.get $x1))) (local.set $y1 (v128.load offset=4 align=4 (local.get $x1))) (local.set $y2 (v128.load offset=8 align=4 (local.get $x1)))
        (local.set $s1 (fma (local.get $w2) (local.get $y2) (fma (local.get $w1) (local.get $y1) (fma (local.get $w0) (local.get $y0) (v128.load align=4 (local.get $acc1))))))
        (local.set $s0 (fma (local.get $w5) (local.get $y2) (fma (local.get $w4) (local.get $y1) (fma (local.get $w3) (local.get $y0) (local.get $s0)))))
        (local.set $y0 (v128.load align=4 (local.get $x2))) (local.set $y1 (v128.load offset=4 align=4 (local.get $x2))) (local.set $y2 (v128.load offset=8 align=4 (local.get $x2)))
        (local.set $s1 (fma (local.get $w5) (local.get $y2) (fma (local.get $w4) (local.get $y1) (fma (local.get $w3) (local.get $y0) (local.get $s1)))))
        (v128.store align=4 (local.get $acc0)
          (fma (local.get $w8) (local.get $y2) (fma (local.get $w7) (local.get $y1) (fma (local.get $w6) (local.get $y0) (local.get $s0)))))
        (v128.store align=4 (local.get $acc1)
          (fma (local.get $w8) (v128.load offset=8 align=4 (local.get $x3)) (fma (local.get $w7) (v128.load offset=4 align=4 (local.get $x3)) (fma (local.get $w6) (v128.load align=4 (local.get $x3)) (local.get $s1)))))
        (local.set $acc0 (i32.add (local.get $acc0) (i32.const 16)))
        (local.set $acc1 (i32.add (local.get $acc1) (i32.const 16)))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 16)))
        (local.set $x3 (i32.add (local.get $x3) (i32.const 16)))
        (br $next))))

  (func $conv3x3PairBias (param $acc0 i32) (param $acc1 i32) (param $x0 i32) (param $x1 i32) (param $x2 i32) (param $x3 i32) (param $w i32) (param $n i32) (param $b f32)
    (local $end i32) (local $s0 v128) (local $s1 v128) (local $y0 v128) (local $y1 v128) (local $y2 v128) (local $bias v128)
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
    (local.set $end (i32.add (local.get $acc0) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $bias (f32x4.splat (local.get $b)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc0) (local.get $end)))
        ;; rows x1 and x2 are loaded once for both output rows
        (local.set $s0 (fma (local.get $w2) (v128.load offset=8 align=4 (local.get $x0)) (fma (local.get $w1) (v128.load offset=4 align=4 (local.get $x0)) (fma (local.get $w0) (v128.load align=4 (local.get $x0)) (local.get $bias)))))
        (local.set $y0 (v128.load align=4 (local.get $x1))) (local.set $y1 (v128.load offset=4 align=4 (local.get $x1))) (local.set $y2 (v128.load offset=8 align=4 (local.get $x1)))
        (local.set $s1 (fma (local.get $w2) (local.get $y2) (fma (local.get $w1) (local.get $y1) (fma (local.get $w0) (local.get $y0) (local.get $bias)))))
        (local.set $s0 (fma (local.get $w5) (local.get $y2) (fma (local.get $w4) (local.get $y1) (fma (local.get $w3) (local.get $y0) (local.get $s0)))))
        (local.set $y0 (v128.load align=4 (local.get $x2))) (local.set $y1 (v128.load offset=4 align=4 (local.get $x2))) (local.set $y2 (v128.load offset=8 align=4 (local.get $x2)))
        (local.set $s1 (fma (local.get $w5) (local.get $y2) (fma (local.get $w4) (local.get $y1) (fma (local.get $w3) (local.get $y0) (local.get $s1)))))
        (v128.store align=4 (local.get $acc0)
          (fma (local.get $w8) (local.get $y2) (fma (local.get $w7) (local.get $y1) (fma (local.get $w6) (local.get $y0) (local.get $s0)))))
        (v128.store align=4 (local.get $acc1)
          (fma (local.get $w8) (v128.load offset=8 align=4 (local.get $x3)) (fma (local.get $w7) (v128.load offset=4 align=4 (local.get $x3)) (fma (local.get $w6) (v128.load align=4 (local.get $x3)) (local.get $s1)))))
        (local.set $acc0 (i32.add (local.get $acc0) (i32.const 16)))
        (local.set $acc1 (i32.add (local.get $acc1) (i32.const 16)))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 16)))
        (local.set $x3 (i32.add (local.get $x3) (i32.const 16)))
        (br $next))))

  ;; acc[j] += sum_k w[k] * x[j + k], j < n (one row of a kW = 3 kernel, column dilation 1).
  (func $conv3 (param $acc i32) (param $x i32) (param $w i32) (param $n i32)
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

  ;; acc = bias + conv3x3 over `count` >= 1 input channels (one JavaScript-to-wasm transition per output row
  ;; and channel; the first channel starts from the bias): table holds 3 i32 row addresses per channel (a row
  ;; of zeros stands for a padding row), the channels' 9 weights follow each other from w.
  (func (export "convRow") (param $acc i32) (param $table i32) (param $w i32) (param $bias f32) (param $n i32) (param $count i32)
    (if (i32.eqz (local.get $count))
      (then
        (call $fillRow (local.get $acc) (local.get $bias) (local.get $n))
        (return)))
    (call $conv3x3Bias (local.get $acc)
      (i32.load (local.get $table)) (i32.load offset=4 (local.get $table)) (i32.load offset=8 (local.get $table))
      (local.get $w) (local.get $n) (local.get $bias))
    (block $done
      (loop $next
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $table (i32.add (local.get $table) (i32.const 12)))
        (local.set $w (i32.add (local.get $w) (i32.const 36)))
        (call $conv3x3 (local.get $acc)
          (i32.load (local.get $table)) (i32.load offset=4 (local.get $table)) (i32.load offset=8 (local.get $table))
          (local.get $w) (local.get $n))
        (br $next))))

  ;; convRow for two consecutive output rows into acc0 and acc1: table holds 4 i32 row addresses per channel
  ;; (rows i - top .. i + 1 + bottom of a 3-row kernel with row dilation 1), count >= 1 channels.
  (func (export "convRowPair") (param $acc0 i32) (param $acc1 i32) (param $table i32) (param $w i32) (param $bias f32) (param $n i32) (param $count i32)
    (call $conv3x3PairBias (local.get $acc0) (local.get $acc1)
      (i32.load (local.get $table)) (i32.load offset=4 (local.get $table)) (i32.load offset=8 (local.get $table)) (i32.load offset=12 (local.get $table))
      (local.get $w) (local.get $n) (local.get $bias))
    (block $done
      (loop $next
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $table (i32.add (local.get $table) (i32.const 16)))
        (local.set $w (i32.add (local.get $w) (i32.const 36)))
        (call $conv3x3Pair (local.get $acc0) (local.get $acc1)
          (i32.load (local.get $table)) (i32.load offset=4 (local.get $table)) (i32.load offset=8 (local.get $table)) (i32.load offset=12 (local.get $table))
          (local.get $w) (local.get $n))
        (br $next))))

  ;; acc = bias in the quads of c < n, then one conv3 per (row, weights) address pair of the table (kernels
  ;; with kH != 3); `shift` bytes are added to every weights address, so the output channels of one group
  ;; share one table.
  (func (export "convRows") (param $acc i32) (param $table i32) (param $bias f32) (param $n i32) (param $count i32) (param $shift i32)
    (call $fillRow (local.get $acc) (local.get $bias) (local.get $n))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (call $conv3 (local.get $acc) (i32.load (local.get $table))
          (i32.add (i32.load offset=4 (local.get $table)) (local.get $shift)) (local.get $n))
        (local.set $table (i32.add (local.get $table) (i32.const 8)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  ;; value in every quad of c < n.
  (func $fillRow (param $p i32) (param $value f32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $v (f32x4.splat (local.get $value)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store align=4 (local.get $p) (local.get $v))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next))))

  ;; dp = 0 in the quads of c < n, then grad3 for `count` (gradient row, weights, dW) address triples of the
  ;; table, all with this dp and input row x; `shift` (bytes) is added to every weights address and twice it
  ;; to every dW address, so the input channels of one group share one table (their weights are taps
  ;; floats apart, their float64 sums taps doubles apart).
  (func (export "grad3Multi") (param $dp i32) (param $x i32) (param $table i32) (param $n i32) (param $count i32) (param $shift i32)
    (call $fillRow (local.get $dp) (f32.const 0) (local.get $n))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (call $grad3 (local.get $dp) (i32.load (local.get $table)) (local.get $x)
          (i32.add (i32.load offset=4 (local.get $table)) (local.get $shift))
          (i32.add (i32.load offset=8 (local.get $table)) (i32.shl (local.get $shift) (i32.const 1)))
          (local.get $n))
        (local.set $table (i32.add (local.get $table) (i32.const 12)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  ;; Reads one float per 64-byte line of the first n floats of `count` map rows (i32 addresses in the table),
  ;; the rows interleaved, so that their cache misses overlap before the row loops read them one row at a
  ;; time (a 4 KiB row is a page of its own: the hardware prefetcher restarts at every row). Returns a value
  ;; that depends on every load (the caller ignores it), so no load can be dropped.
  (func (export "touchRows") (param $table i32) (param $count i32) (param $n i32) (result f32)
    (local $off i32) (local $end i32) (local $k i32) (local $acc f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $line
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $k (i32.const 0))
        (loop $row
          (local.set $acc (f32.add (local.get $acc)
            (f32.load (i32.add (i32.load (i32.add (local.get $table) (i32.shl (local.get $k) (i32.const 2)))) (local.get $off)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $row (i32.lt_u (local.get $k) (local.get $count))))
        (local.set $off (i32.add (local.get $off) (i32.const 64)))
        (br $line)))
    (local.get $acc))

  ;; Ring row dst = src[c] for c < n, zeros from there to zeroEnd (a byte address; nothing when zeroEnd is
  ;; not past it): memory.copy reads the map row (see $putRow), then the few zeros.
  (func (export "loadRow") (param $dst i32) (param $src i32) (param $n i32) (param $zeroEnd i32)
    (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (memory.copy (local.get $dst) (local.get $src) (local.get $bytes))
    (call $zeroRange (i32.add (local.get $dst) (local.get $bytes)) (local.get $zeroEnd)))

  ;; sum_{c < n} a[c] * b[c] (b = 0: sum_{c < n} a[c]): float32 partial sums of at most 16 quads, then
  ;; float64 (one float64 add chain per quad was the loop's bound).
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f64)
    (local $end i32) (local $blockEnd i32) (local $v v128) (local $part v128) (local $sum v128) (local $rem i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (if (local.get $b)
      (then
        (block $done
          (loop $block
            (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
            (local.set $blockEnd (i32.add (local.get $a) (i32.const 256)))
            (if (i32.gt_u (local.get $blockEnd) (local.get $end)) (then (local.set $blockEnd (local.get $end))))
            (local.set $part (v128.const i64x2 0 0))
            (loop $next
              (local.set $part (f32x4.add (local.get $part) (f32x4.mul (v128.load align=4 (local.get $a)) (v128.load align=4 (local.get $b)))))
              (local.set $a (i32.add (local.get $a) (i32.const 16)))
              (local.set $b (i32.add (local.get $b) (i32.const 16)))
              (br_if $next (i32.lt_u (local.get $a) (local.get $blockEnd))))
            (local.set $sum (call $addPromoted (local.get $sum) (local.get $part)))
            (br $block))))
      (else
        (block $done
          (loop $block
            (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
            (local.set $blockEnd (i32.add (local.get $a) (i32.const 256)))
            (if (i32.gt_u (local.get $blockEnd) (local.get $end)) (then (local.set $blockEnd (local.get $end))))
            (local.set $part (v128.const i64x2 0 0))
            (loop $next
              (local.set $part (f32x4.add (local.get $part) (v128.load align=4 (local.get $a))))
              (local.set $a (i32.add (local.get $a) (i32.const 16)))
              (br_if $next (i32.lt_u (local.get $a) (local.get $blockEnd))))
            (local.set $sum (call $addPromoted (local.get $sum) (local.get $part)))
            (br $block)))))
    (local.set $rem (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $rem)
      (then
        (local.set $v (v128.load align=4 (local.get $a)))
        (if (local.get $b) (then (local.set $v (f32x4.mul (local.get $v) (v128.load align=4 (local.get $b))))))
        (local.set $sum (call $addPromoted (local.get $sum) (v128.and (call $tailMask (local.get $rem)) (local.get $v))))))
    (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum))))

  ;; g[c] = p[c] * (g[c] - dot(p, g)) for c < n, in place: the softmax VJP. Lanes >= n of the last quad are
  ;; written as 0 (p may be a map row, with other values past n).
  (func $softmaxVjp (export "softmaxVjp") (param $p i32) (param $g i32) (param $n i32)
    (local $end i32) (local $d v128) (local $rem i32)
    (local.set $d (f32x4.splat (f32.demote_f64 (call $dot (local.get $p) (local.get $g) (local.get $n)))))
    (local.set $end (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (v128.store align=4 (local.get $g)
          (f32x4.mul (v128.load align=4 (local.get $p)) (f32x4.sub (v128.load align=4 (local.get $g)) (local.get $d))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $next)))
    (local.set $rem (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $rem)
      (then
        (v128.store align=4 (local.get $g) (v128.and (call $tailMask (local.get $rem))
          (f32x4.mul (v128.load align=4 (local.get $p)) (f32x4.sub (v128.load align=4 (local.get $g)) (local.get $d))))))))

  ;; Output map row dst = the softmax VJP of g through p (c < n), zeros after: post mode's dS row.
  (func (export "vjpStore") (param $dst i32) (param $p i32) (param $g i32) (param $n i32) (param $L i32)
    (call $softmaxVjp (local.get $p) (local.get $g) (local.get $n))
    (call $putRow (local.get $dst) (local.get $g) (local.get $n) (local.get $L)))

  ;; exp(d) for d <= 0, four lanes (softmaxRow's main loop has a copy inlined): k = round(d / ln2) by the
  ;; 1.5 * 2^23 trick, r = (d - k ln2_hi) - k ln2_lo (|r| <= ln2 / 2), exp(r) ~ 1 + r p(r) with p of degree 4
  ;; fitted for the least maximum relative error (1.8e-7 in float32 arithmetic, ~1.5 ulp; five multiply-adds
  ;; where the degree-7 Taylor polynomial before took seven, at 1.0e-7), and 2^k added to the exponent field,
  ;; exact while the result is normal: d < -86 (and NaN) gives 0 (exp(-86) ~ 4e-38).
  (func $exp (param $d v128) (result v128)
    (local $t v128) (local $k v128) (local $r v128) (local $p v128)
    (local.set $t (f32x4.add (f32x4.mul (local.get $d) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $k (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $d) (f32x4.mul (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $k) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 0.008290315046906471 0.008290315046906471 0.008290315046906471 0.008290315046906471) (local.get $r)) (v128.const f32x4 0.04189793020486832 0.04189793020486832 0.04189793020486832 0.04189793020486832)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.1666763573884964 0.1666763573884964 0.1666763573884964 0.1666763573884964)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.4999915063381195 0.4999915063381195 0.4999915063381195 0.4999915063381195)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.9999997019767761 0.9999997019767761 0.9999997019767761 0.9999997019767761)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    ;; bits(t) - bits(1.5 * 2^23) = k (two's complement in the low mantissa bits)
    (v128.and
      (i32x4.add (local.get $p)
        (i32x4.shl (i32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)) (i32.const 23)))
      (f32x4.ge (local.get $d) (v128.const f32x4 -86 -86 -86 -86))))

  ;; Softmax of the n floats at src into ring (src may be ring), ring lanes c >= n of the last quad written
  ;; as 0; when out != 0, the row into out as a map row of L floats (zeros after n); then zeros in ring from
  ;; the end of its last quad to zeroEnd (a byte address; nothing when zeroEnd is not past it).
  ;; A NaN or +Inf entry, or all entries -Inf, makes the row all NaN.
  (func (export "softmaxRow") (param $src i32) (param $ring i32) (param $out i32) (param $n i32) (param $zeroEnd i32) (param $L i32)
    (local $p i32) (local $q i32) (local $quadsEnd i32) (local $blockEnd i32) (local $full i32) (local $rem i32)
    (local $max v128) (local $nan v128) (local $m f32) (local $x v128) (local $v v128) (local $mask v128)
    (local $sum v128) (local $part v128) (local $inv v128)
    (local $d v128) (local $t v128) (local $k v128) (local $r v128) (local $e v128)
    (local $cLog2e v128) (local $cShift v128) (local $cLn2Hi v128) (local $cLn2Lo v128) (local $c5 v128) (local $c4 v128)
    (local $c3 v128) (local $c2 v128) (local $c1 v128) (local $cOne v128) (local $cFlush v128)
    (local.set $full (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $quadsEnd (i32.add (local.get $src) (local.get $full)))
    (local.set $rem (i32.and (local.get $n) (i32.const 3)))
    (local.set $mask (call $tailMask (local.get $rem)))
    ;; max with f32x4.pmax (one instruction; f32x4.max's NaN and signed-zero rules take ~8 on x64); a NaN
    ;; entry is tracked apart and makes the max NaN, as f32x4.max would
    (local.set $max (f32x4.splat (f32.load (local.get $src))))
    (local.set $p (local.get $src))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $quadsEnd)))
        (local.set $x (v128.load align=4 (local.get $p)))
        (local.set $max (f32x4.pmax (local.get $max) (local.get $x)))
        (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $x) (local.get $x))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (if (local.get $rem)
      (then
        (local.set $x (v128.bitselect (v128.load align=4 (local.get $p)) (v128.const f32x4 -inf -inf -inf -inf) (local.get $mask)))
        (local.set $max (f32x4.pmax (local.get $max) (local.get $x)))
        (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $x) (local.get $x))))))
    (local.set $m (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
      (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
    (if (v128.any_true (local.get $nan)) (then (local.set $m (f32.const nan))))
    (local.set $max (f32x4.splat (local.get $m)))
    ;; exp and sum: float32 partial sums of at most 16 quads, then float64
    ;; constants in locals: V8 rematerialises a v128.const at every use inside a loop
    (local.set $cLog2e (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
    (local.set $cShift (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $cLn2Hi (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))
    (local.set $cLn2Lo (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))
    (local.set $c5 (v128.const f32x4 0.008290315046906471 0.008290315046906471 0.008290315046906471 0.008290315046906471))
    (local.set $c4 (v128.const f32x4 0.04189793020486832 0.04189793020486832 0.04189793020486832 0.04189793020486832))
    (local.set $c3 (v128.const f32x4 0.1666763573884964 0.1666763573884964 0.1666763573884964 0.1666763573884964))
    (local.set $c2 (v128.const f32x4 0.4999915063381195 0.4999915063381195 0.4999915063381195 0.4999915063381195))
    (local.set $c1 (v128.const f32x4 0.9999997019767761 0.9999997019767761 0.9999997019767761 0.9999997019767761))
    (local.set $cOne (v128.const f32x4 1 1 1 1))
    (local.set $cFlush (v128.const f32x4 -86 -86 -86 -86))
    (local.set $p (local.get $src))
    (local.set $q (local.get $ring))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $quadsEnd)))
        (local.set $blockEnd (i32.add (local.get $p) (i32.const 256)))
        (if (i32.gt_u (local.get $blockEnd) (local.get $quadsEnd)) (then (local.set $blockEnd (local.get $quadsEnd))))
        (local.set $part (v128.const i64x2 0 0))
        (loop $next
          ;; $exp, inlined (the engine does not inline wasm calls)
          (local.set $d (f32x4.sub (v128.load align=4 (local.get $p)) (local.get $max)))
          (local.set $t (f32x4.add (f32x4.mul (local.get $d) (local.get $cLog2e)) (local.get $cShift)))
          (local.set $k (f32x4.sub (local.get $t) (local.get $cShift)))
          (local.set $r (f32x4.sub
            (f32x4.sub (local.get $d) (f32x4.mul (local.get $k) (local.get $cLn2Hi)))
            (f32x4.mul (local.get $k) (local.get $cLn2Lo))))
          (local.set $e (f32x4.add (f32x4.mul (local.get $c5) (local.get $r)) (local.get $c4)))
          (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c3)))
          (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c2)))
          (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $c1)))
          (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (local.get $cOne)))
          (local.set $v (v128.and
            (i32x4.add (local.get $e) (i32x4.shl (i32x4.sub (local.get $t) (local.get $cShift)) (i32.const 23)))
            (f32x4.ge (local.get $d) (local.get $cFlush))))
          (v128.store align=4 (local.get $q) (local.get $v))
          (local.set $part (f32x4.add (local.get $part) (local.get $v)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $next (i32.lt_u (local.get $p) (local.get $blockEnd))))
        (local.set $sum (call $addPromoted (local.get $sum) (local.get $part)))
        (br $block)))
    (if (local.get $rem)
      (then
        (local.set $v (v128.and (local.get $mask) (call $exp (f32x4.sub (v128.load align=4 (local.get $p)) (local.get $max)))))
        (v128.store align=4 (local.get $q) (local.get $v))
        (local.set $sum (call $addPromoted (local.get $sum) (local.get $v)))))
    (local.set $inv (f32x4.splat (f32.demote_f64 (f64.div (f64.const 1)
      (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum)))))))
    ;; scale the ring row, then out from it
    (local.set $p (local.get $ring))
    (local.set $quadsEnd (i32.add (local.get $ring) (local.get $full)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $quadsEnd)))
        (v128.store align=4 (local.get $p) (f32x4.mul (v128.load align=4 (local.get $p)) (local.get $inv)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    ;; the last quad's lanes >= n stay 0: masked again, since a NaN row scales its zeros by 1/0
    (if (local.get $rem)
      (then
        (v128.store align=4 (local.get $p)
          (v128.and (local.get $mask) (f32x4.mul (v128.load align=4 (local.get $p)) (local.get $inv))))))
    (if (local.get $out) (then (call $putRow (local.get $out) (local.get $ring) (local.get $n) (local.get $L))))
    (if (local.get $rem) (then (local.set $p (i32.add (local.get $p) (i32.const 16)))))
    (call $zeroRange (local.get $p) (local.get $zeroEnd)))
)
