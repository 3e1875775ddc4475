;; The hot loops of the 2D pair-force engine (forces.ts) and of the MD integrators (md.ts), hand-written WebAssembly
;; with 128-bit SIMD (two f64 lanes). Assembled by scripts/build-wasm.mjs (the `wabt` npm package, run by `npm install`
;; through the prepare script) into kernels-wasm.ts, which forces.ts instantiates over the engine's shared memory.
;;
;; Every kernel performs, for every particle and every pair, exactly the IEEE operations of the JavaScript loops it
;; replaces, in the same order (no fused multiply-add, no reassociation), so results are bit for bit those of the JS
;; reference loops (forces.ts `forcesJs2` and the fused energy loops; md.ts's integrators): only independent work is
;; done in parallel lanes (two pairs at once in the pair passes, x and y at once in the particle passes), and every
;; sum that depends on an order (a particle's force, the energy, the kinetic energy) is still taken in list order.
;;
;; Memory: all arrays live in the imported (shared) memory; pointers are byte addresses, particle and neighbour
;; references in the lists are ELEMENT offsets (stride * index) into a coordinate array, as forces.ts stores them.
;; Coordinates have `stride` (2 or 3) components per particle; the kernels read and write x and y only.
;;
;; A force evaluation is two passes:
;;  pass 1 (wcaPairs, wcaPairsEnergy, hertzPairsEnergy): for pairs k in [k0, k1) (k1 - k0 even; the lists carry a
;;    harmless padding pair), g[k] = (gx, gy) = (u'(r)/r) d with d = x_j - x_i + shift, two pairs per iteration;
;;  pass 2 (gather, gatherNve, gatherIsokinetic): for particles i in [i0, i1), F_i from the g of the pairs that hold
;;    i (see below), and the fused variants finish each particle's step right there.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ---- pass 1 ----------------------------------------------------------------------------------------------------

  ;; MD forces (WCA, forces only): potentials.ts `wcaDuDrOverR`, branch-free,
  ;;   g = ((-24 eps) * inside) * (2 q q - q) * (1 / r^2),  inside = (r^2 < c2 s^2) as 1 or 0,  q = (s^2 (1 / r^2))^3.
  ;; Pairs [k0, k1) first as if none had an image shift, d = x_j - x_i (the JS loop's unshifted rows); then the pairs
  ;; with a shift, listed apart (sidx: their pair numbers, increasing; ssh: their shifts (sx, sy); ns of them), are
  ;; done again with d = (x_j - x_i) + s. So the pass reads no shift for the ~95 % of pairs without one.
  (func (export "wcaPairs")
    (param $pos i32) (param $own i32) (param $nbr i32) (param $par i32) (param $sidx i32) (param $ssh i32) (param $ns i32)
    (param $g i32) (param $k0 i32) (param $k1 i32) (param $eps f64) (param $c2 f64)
    (local $k4 i32) (local $k8 i32) (local $k16 i32) (local $end4 i32) (local $lo i32) (local $hi i32) (local $mid i32) (local $k i32)
    (local $d1 v128) (local $d2 v128) (local $dx v128) (local $dy v128) (local $r2 v128) (local $p v128)
    (local $in v128) (local $ir2 v128) (local $inv v128) (local $q v128) (local $gg v128) (local $gx v128) (local $gy v128)
    (local $one v128) (local $two v128) (local $ce v128) (local $vc2 v128)
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $two (f64x2.splat (f64.const 2)))
    (local.set $ce (f64x2.splat (f64.mul (f64.const -24) (local.get $eps))))
    (local.set $vc2 (f64x2.splat (local.get $c2)))
    (local.set $k4 (i32.shl (local.get $k0) (i32.const 2)))
    (local.set $k8 (i32.shl (local.get $k0) (i32.const 3)))
    (local.set $k16 (i32.shl (local.get $k0) (i32.const 4)))
    (local.set $end4 (i32.shl (local.get $k1) (i32.const 2)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (local.get $k4) (local.get $end4)))
        ;; (x_j - x_i, y_j - y_i) of the two pairs
        (local.set $d1 (f64x2.sub
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load (i32.add (local.get $nbr) (local.get $k4))) (i32.const 3))))
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load (i32.add (local.get $own) (local.get $k4))) (i32.const 3))))))
        (local.set $d2 (f64x2.sub
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load offset=4 (i32.add (local.get $nbr) (local.get $k4))) (i32.const 3))))
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load offset=4 (i32.add (local.get $own) (local.get $k4))) (i32.const 3))))))
        ;; dx, dy; lanes = the two pairs
        (local.set $dx (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $d1) (local.get $d2)))
        (local.set $dy (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $d1) (local.get $d2)))
        (local.set $p (v128.load (i32.add (local.get $par) (local.get $k8))))
        (local.set $r2 (f64x2.add (f64x2.mul (local.get $dx) (local.get $dx)) (f64x2.mul (local.get $dy) (local.get $dy))))
        (local.set $in (v128.and (f64x2.lt (local.get $r2) (f64x2.mul (local.get $vc2) (local.get $p))) (local.get $one)))
        (local.set $ir2 (f64x2.div (local.get $one) (local.get $r2)))
        (local.set $inv (f64x2.mul (local.get $p) (local.get $ir2)))
        (local.set $q (f64x2.mul (f64x2.mul (local.get $inv) (local.get $inv)) (local.get $inv)))
        (local.set $gg (f64x2.mul
          (f64x2.mul
            (f64x2.mul (local.get $ce) (local.get $in))
            (f64x2.sub (f64x2.mul (f64x2.mul (local.get $two) (local.get $q)) (local.get $q)) (local.get $q)))
          (local.get $ir2)))
        (local.set $gx (f64x2.mul (local.get $gg) (local.get $dx)))
        (local.set $gy (f64x2.mul (local.get $gg) (local.get $dy)))
        ;; g[k] = (gx, gy) of the first pair, g[k + 1] of the second
        (v128.store (i32.add (local.get $g) (local.get $k16))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $gx) (local.get $gy)))
        (v128.store offset=16 (i32.add (local.get $g) (local.get $k16))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $gx) (local.get $gy)))
        (local.set $k4 (i32.add (local.get $k4) (i32.const 8)))
        (local.set $k8 (i32.add (local.get $k8) (i32.const 16)))
        (local.set $k16 (i32.add (local.get $k16) (i32.const 32)))
        (br $pairs)))
    ;; The shifted pairs in [k0, k1): the first listed one at or after k0 (binary search), then in order.
    (local.set $lo (i32.const 0))
    (local.set $hi (local.get $ns))
    (block $found
      (loop $search
        (br_if $found (i32.ge_s (local.get $lo) (local.get $hi)))
        (local.set $mid (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
        (if (i32.lt_s (i32.load (i32.add (local.get $sidx) (i32.shl (local.get $mid) (i32.const 2)))) (local.get $k0))
          (then (local.set $lo (i32.add (local.get $mid) (i32.const 1))))
          (else (local.set $hi (local.get $mid))))
        (br $search)))
    (block $fixed
      (loop $fix
        (br_if $fixed (i32.ge_s (local.get $lo) (local.get $ns)))
        (local.set $k (i32.load (i32.add (local.get $sidx) (i32.shl (local.get $lo) (i32.const 2)))))
        (br_if $fixed (i32.ge_s (local.get $k) (local.get $k1)))
        ;; d = (x_j - x_i) + s in both lanes (the same pair twice: each lane the scalar arithmetic)
        (local.set $d1 (f64x2.add
          (f64x2.sub
            (v128.load (i32.add (local.get $pos) (i32.shl (i32.load (i32.add (local.get $nbr) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
            (v128.load (i32.add (local.get $pos) (i32.shl (i32.load (i32.add (local.get $own) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))))
          (v128.load (i32.add (local.get $ssh) (i32.shl (local.get $lo) (i32.const 4))))))
        (local.set $dx (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $d1) (local.get $d1)))
        (local.set $dy (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $d1) (local.get $d1)))
        (local.set $p (f64x2.splat (f64.load (i32.add (local.get $par) (i32.shl (local.get $k) (i32.const 3))))))
        (local.set $r2 (f64x2.add (f64x2.mul (local.get $dx) (local.get $dx)) (f64x2.mul (local.get $dy) (local.get $dy))))
        (local.set $in (v128.and (f64x2.lt (local.get $r2) (f64x2.mul (local.get $vc2) (local.get $p))) (local.get $one)))
        (local.set $ir2 (f64x2.div (local.get $one) (local.get $r2)))
        (local.set $inv (f64x2.mul (local.get $p) (local.get $ir2)))
        (local.set $q (f64x2.mul (f64x2.mul (local.get $inv) (local.get $inv)) (local.get $inv)))
        (local.set $gg (f64x2.mul
          (f64x2.mul
            (f64x2.mul (local.get $ce) (local.get $in))
            (f64x2.sub (f64x2.mul (f64x2.mul (local.get $two) (local.get $q)) (local.get $q)) (local.get $q)))
          (local.get $ir2)))
        (v128.store (i32.add (local.get $g) (i32.shl (local.get $k) (i32.const 4)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f64x2.mul (local.get $gg) (local.get $dx)) (f64x2.mul (local.get $gg) (local.get $dy))))
        (local.set $lo (i32.add (local.get $lo) (i32.const 1)))
        (br $fix))))

  ;; Energy and forces (WCA; the minimizers' loop): pairs beyond the cutoff (and NaN distances) contribute nothing, as
  ;; the JS loop's `continue`; u = eps (4 (q' q' - q') + 1) with q' = (s^2 / r^2)^3 (a division, as `wcaPairEnergy`),
  ;; g as `wcaDuDrOverR`. Returns the energy of pairs [k0, k1) added in pair order to e0.
  (func (export "wcaPairsEnergy")
    (param $pos i32) (param $own i32) (param $nbr i32) (param $par i32) (param $shx i32) (param $shy i32) (param $g i32)
    (param $k0 i32) (param $k1 i32) (param $eps f64) (param $c2 f64) (param $e0 f64) (result f64)
    (local $k4 i32) (local $k8 i32) (local $k16 i32) (local $end4 i32) (local $e f64)
    (local $d1 v128) (local $d2 v128) (local $dx v128) (local $dy v128) (local $r2 v128) (local $p v128) (local $mask v128)
    (local $in v128) (local $ir2 v128) (local $inv v128) (local $q v128) (local $gg v128) (local $gx v128) (local $gy v128)
    (local $u v128) (local $one v128) (local $two v128) (local $four v128) (local $ce v128) (local $veps v128) (local $vc2 v128)
    (local.set $e (local.get $e0))
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $two (f64x2.splat (f64.const 2)))
    (local.set $four (f64x2.splat (f64.const 4)))
    (local.set $ce (f64x2.splat (f64.mul (f64.const -24) (local.get $eps))))
    (local.set $veps (f64x2.splat (local.get $eps)))
    (local.set $vc2 (f64x2.splat (local.get $c2)))
    (local.set $k4 (i32.shl (local.get $k0) (i32.const 2)))
    (local.set $k8 (i32.shl (local.get $k0) (i32.const 3)))
    (local.set $k16 (i32.shl (local.get $k0) (i32.const 4)))
    (local.set $end4 (i32.shl (local.get $k1) (i32.const 2)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (local.get $k4) (local.get $end4)))
        (local.set $d1 (f64x2.sub
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load (i32.add (local.get $nbr) (local.get $k4))) (i32.const 3))))
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load (i32.add (local.get $own) (local.get $k4))) (i32.const 3))))))
        (local.set $d2 (f64x2.sub
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load offset=4 (i32.add (local.get $nbr) (local.get $k4))) (i32.const 3))))
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load offset=4 (i32.add (local.get $own) (local.get $k4))) (i32.const 3))))))
        (local.set $dx (f64x2.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $d1) (local.get $d2))
          (v128.load (i32.add (local.get $shx) (local.get $k8)))))
        (local.set $dy (f64x2.add
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $d1) (local.get $d2))
          (v128.load (i32.add (local.get $shy) (local.get $k8)))))
        (local.set $r2 (f64x2.add (f64x2.mul (local.get $dx) (local.get $dx)) (f64x2.mul (local.get $dy) (local.get $dy))))
        (local.set $p (v128.load (i32.add (local.get $par) (local.get $k8))))
        (local.set $mask (f64x2.lt (local.get $r2) (f64x2.mul (local.get $vc2) (local.get $p))))
        ;; u (potentials.ts wcaPairEnergy)
        (local.set $inv (f64x2.div (local.get $p) (local.get $r2)))
        (local.set $q (f64x2.mul (f64x2.mul (local.get $inv) (local.get $inv)) (local.get $inv)))
        (local.set $u (v128.and (local.get $mask) (f64x2.mul (local.get $veps)
          (f64x2.add (f64x2.mul (local.get $four) (f64x2.sub (f64x2.mul (local.get $q) (local.get $q)) (local.get $q))) (local.get $one)))))
        (local.set $e (f64.add (f64.add (local.get $e) (f64x2.extract_lane 0 (local.get $u))) (f64x2.extract_lane 1 (local.get $u))))
        ;; g (potentials.ts wcaDuDrOverR)
        (local.set $in (v128.and (local.get $mask) (local.get $one)))
        (local.set $ir2 (f64x2.div (local.get $one) (local.get $r2)))
        (local.set $inv (f64x2.mul (local.get $p) (local.get $ir2)))
        (local.set $q (f64x2.mul (f64x2.mul (local.get $inv) (local.get $inv)) (local.get $inv)))
        (local.set $gg (v128.and (local.get $mask) (f64x2.mul
          (f64x2.mul
            (f64x2.mul (local.get $ce) (local.get $in))
            (f64x2.sub (f64x2.mul (f64x2.mul (local.get $two) (local.get $q)) (local.get $q)) (local.get $q)))
          (local.get $ir2))))
        (local.set $gx (f64x2.mul (local.get $gg) (local.get $dx)))
        (local.set $gy (f64x2.mul (local.get $gg) (local.get $dy)))
        (v128.store (i32.add (local.get $g) (local.get $k16))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $gx) (local.get $gy)))
        (v128.store offset=16 (i32.add (local.get $g) (local.get $k16))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $gx) (local.get $gy)))
        (local.set $k4 (i32.add (local.get $k4) (i32.const 8)))
        (local.set $k8 (i32.add (local.get $k8) (i32.const 16)))
        (local.set $k16 (i32.add (local.get $k16) (i32.const 32)))
        (br $pairs)))
    (local.get $e))

  ;; Energy and forces (Hertz; minimizers, AQS, overlap removal): with D = R_i + R_j the pair parameter, pairs with
  ;; r^2 < D^2 only; r = sqrt(r^2), x = 1 - r / D, u = ((eps x) x) sqrt(x) (`hertzPairEnergy`) and
  ;; g = (((-2.5 eps) x) sqrt(x)) / (D r), 0 at r = 0 (`hertzDuDrOverR`). Returns e0 + the energy of pairs [k0, k1).
  (func (export "hertzPairsEnergy")
    (param $pos i32) (param $own i32) (param $nbr i32) (param $par i32) (param $shx i32) (param $shy i32) (param $g i32)
    (param $k0 i32) (param $k1 i32) (param $eps f64) (param $e0 f64) (result f64)
    (local $k4 i32) (local $k8 i32) (local $k16 i32) (local $end4 i32) (local $e f64)
    (local $d1 v128) (local $d2 v128) (local $dx v128) (local $dy v128) (local $r2 v128) (local $p v128) (local $mask v128)
    (local $r v128) (local $x v128) (local $sx v128) (local $gg v128) (local $gx v128) (local $gy v128) (local $u v128)
    (local $one v128) (local $zero v128) (local $veps v128) (local $ce v128)
    (local.set $e (local.get $e0))
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $zero (f64x2.splat (f64.const 0)))
    (local.set $veps (f64x2.splat (local.get $eps)))
    (local.set $ce (f64x2.splat (f64.mul (f64.const -2.5) (local.get $eps))))
    (local.set $k4 (i32.shl (local.get $k0) (i32.const 2)))
    (local.set $k8 (i32.shl (local.get $k0) (i32.const 3)))
    (local.set $k16 (i32.shl (local.get $k0) (i32.const 4)))
    (local.set $end4 (i32.shl (local.get $k1) (i32.const 2)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (local.get $k4) (local.get $end4)))
        (local.set $d1 (f64x2.sub
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load (i32.add (local.get $nbr) (local.get $k4))) (i32.const 3))))
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load (i32.add (local.get $own) (local.get $k4))) (i32.const 3))))))
        (local.set $d2 (f64x2.sub
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load offset=4 (i32.add (local.get $nbr) (local.get $k4))) (i32.const 3))))
          (v128.load (i32.add (local.get $pos) (i32.shl (i32.load offset=4 (i32.add (local.get $own) (local.get $k4))) (i32.const 3))))))
        (local.set $dx (f64x2.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $d1) (local.get $d2))
          (v128.load (i32.add (local.get $shx) (local.get $k8)))))
        (local.set $dy (f64x2.add
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $d1) (local.get $d2))
          (v128.load (i32.add (local.get $shy) (local.get $k8)))))
        (local.set $r2 (f64x2.add (f64x2.mul (local.get $dx) (local.get $dx)) (f64x2.mul (local.get $dy) (local.get $dy))))
        (local.set $p (v128.load (i32.add (local.get $par) (local.get $k8))))
        (local.set $mask (f64x2.lt (local.get $r2) (f64x2.mul (local.get $p) (local.get $p))))
        (local.set $r (f64x2.sqrt (local.get $r2)))
        (local.set $x (f64x2.sub (local.get $one) (f64x2.div (local.get $r) (local.get $p))))
        (local.set $sx (f64x2.sqrt (local.get $x)))
        (local.set $u (v128.and (local.get $mask)
          (f64x2.mul (f64x2.mul (f64x2.mul (local.get $veps) (local.get $x)) (local.get $x)) (local.get $sx))))
        (local.set $e (f64.add (f64.add (local.get $e) (f64x2.extract_lane 0 (local.get $u))) (f64x2.extract_lane 1 (local.get $u))))
        (local.set $gg (v128.and (v128.and (local.get $mask) (f64x2.gt (local.get $r) (local.get $zero)))
          (f64x2.div
            (f64x2.mul (f64x2.mul (local.get $ce) (local.get $x)) (local.get $sx))
            (f64x2.mul (local.get $p) (local.get $r)))))
        (local.set $gx (f64x2.mul (local.get $gg) (local.get $dx)))
        (local.set $gy (f64x2.mul (local.get $gg) (local.get $dy)))
        (v128.store (i32.add (local.get $g) (local.get $k16))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $gx) (local.get $gy)))
        (v128.store offset=16 (i32.add (local.get $g) (local.get $k16))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $gx) (local.get $gy)))
        (local.set $k4 (i32.add (local.get $k4) (i32.const 8)))
        (local.set $k8 (i32.add (local.get $k8) (i32.const 16)))
        (local.set $k16 (i32.add (local.get $k16) (i32.const 32)))
        (br $pairs)))
    (local.get $e))

  ;; ---- pass 2 ----------------------------------------------------------------------------------------------------
  ;; Pass 2 gathers rather than scatters: particle i's force is
  ;;   F_i = ((0 - g[k_1]) - g[k_2]) - ...  +  (((0 + g[r_1]) + g[r_2]) + ...)
  ;; with k_1 < k_2 < ... the pairs in which i is the NEIGHBOUR (the transposed list tstart / tidx, in list order) and
  ;; r_1, r_2, ... the pairs of i's own row: exactly the operations, in the same order, of the serial scatter loop
  ;; (F zeroed; for each row in order: F_j -= g[k] for its pairs, then F_i += the row's sum). Every particle's force
  ;; depends on g alone, so any set of threads can gather any particles: the result does not depend on the partition.
  ;; (The gather is written out in each kernel: V8 does not inline a call, and the call cost 60 % more time.)

  ;; Forces of particles [i0, i1) (x and y; z untouched).
  (func (export "gather")
    (param $f i32) (param $start i32) (param $tstart i32) (param $tidx i32) (param $g i32) (param $i0 i32) (param $i1 i32) (param $stride i32)
    (local $i i32) (local $bytes i32) (local $fi v128) (local $t i32) (local $tend i32) (local $k16 i32) (local $end16 i32) (local $neg v128) (local $acc v128)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $i (local.get $i0))
    (block $done
      (loop $parts
        (br_if $done (i32.ge_s (local.get $i) (local.get $i1)))
        ;; F_i: ((0 - g[k_1]) - g[k_2]) - ... over the pairs holding i as neighbour (transposed list, indexed by i's
        ;; element offset), plus ((0 + g[r_1]) + g[r_2]) + ... over i's own row
        (local.set $t (i32.shl (i32.load (i32.add (local.get $tstart) (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 2)))) (i32.const 2)))
        (local.set $tend (i32.shl (i32.load offset=4 (i32.add (local.get $tstart) (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 2)))) (i32.const 2)))
        (local.set $neg (f64x2.splat (f64.const 0)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_s (local.get $t) (local.get $tend)))
            (local.set $neg (f64x2.sub (local.get $neg)
              (v128.load (i32.add (local.get $g) (i32.shl (i32.load (i32.add (local.get $tidx) (local.get $t))) (i32.const 4))))))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $l1)))
        (local.set $k16 (i32.shl (i32.load (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 4)))
        (local.set $end16 (i32.shl (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 4)))
        (local.set $acc (f64x2.splat (f64.const 0)))
        (block $d2
          (loop $l2
            (br_if $d2 (i32.ge_s (local.get $k16) (local.get $end16)))
            (local.set $acc (f64x2.add (local.get $acc) (v128.load (i32.add (local.get $g) (local.get $k16)))))
            (local.set $k16 (i32.add (local.get $k16) (i32.const 16)))
            (br $l2)))
        (local.set $fi (f64x2.add (local.get $neg) (local.get $acc)))
        (v128.store (i32.add (local.get $f) (i32.mul (local.get $i) (local.get $bytes))) (local.get $fi))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $parts))))

  ;; Velocity Verlet fused into pass 2 (md.ts runNve2) for particles [i0, i1): with F_i complete,
  ;;   v_i += h_i F_i                                  (second half kick of this step)
  ;; and when `next` is 1, the first half of the next step right away:
  ;;   v_i += h_i F_i;  x_i += dt v_i                   (returns max |v_i|^2 over the particles, for the list check)
  ;; h_i = (dt / 2) / m_i.
  (func (export "gatherNve")
    (param $f i32) (param $start i32) (param $tstart i32) (param $tidx i32) (param $g i32) (param $i0 i32) (param $i1 i32) (param $stride i32)
    (param $x i32) (param $v i32) (param $h i32) (param $dt f64) (param $next i32) (result f64)
    (local $i i32) (local $a i32) (local $pa i32) (local $bytes i32)
    (local $fi v128) (local $hi v128) (local $vi v128) (local $vdt v128) (local $vv v128) (local $vmax f64)
    (local $t i32) (local $tend i32) (local $k16 i32) (local $end16 i32) (local $neg v128) (local $acc v128)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $vdt (f64x2.splat (local.get $dt)))
    (local.set $i (local.get $i0))
    (block $done
      (loop $parts
        (br_if $done (i32.ge_s (local.get $i) (local.get $i1)))
        (local.set $pa (i32.mul (local.get $i) (local.get $bytes)))
        ;; F_i: ((0 - g[k_1]) - g[k_2]) - ... over the pairs holding i as neighbour (transposed list, indexed by i's
        ;; element offset), plus ((0 + g[r_1]) + g[r_2]) + ... over i's own row
        (local.set $t (i32.shl (i32.load (i32.add (local.get $tstart) (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 2)))) (i32.const 2)))
        (local.set $tend (i32.shl (i32.load offset=4 (i32.add (local.get $tstart) (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 2)))) (i32.const 2)))
        (local.set $neg (f64x2.splat (f64.const 0)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_s (local.get $t) (local.get $tend)))
            (local.set $neg (f64x2.sub (local.get $neg)
              (v128.load (i32.add (local.get $g) (i32.shl (i32.load (i32.add (local.get $tidx) (local.get $t))) (i32.const 4))))))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $l1)))
        (local.set $k16 (i32.shl (i32.load (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 4)))
        (local.set $end16 (i32.shl (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 4)))
        (local.set $acc (f64x2.splat (f64.const 0)))
        (block $d2
          (loop $l2
            (br_if $d2 (i32.ge_s (local.get $k16) (local.get $end16)))
            (local.set $acc (f64x2.add (local.get $acc) (v128.load (i32.add (local.get $g) (local.get $k16)))))
            (local.set $k16 (i32.add (local.get $k16) (i32.const 16)))
            (br $l2)))
        (local.set $fi (f64x2.add (local.get $neg) (local.get $acc)))
        (v128.store (i32.add (local.get $f) (local.get $pa)) (local.get $fi))
        (local.set $hi (f64x2.splat (f64.load (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $a (i32.add (local.get $v) (local.get $pa)))
        (local.set $vi (f64x2.add (v128.load (local.get $a)) (f64x2.mul (local.get $hi) (local.get $fi))))
        (if (local.get $next)
          (then
            (local.set $vi (f64x2.add (local.get $vi) (f64x2.mul (local.get $hi) (local.get $fi))))
            (v128.store (i32.add (local.get $x) (local.get $pa))
              (f64x2.add (v128.load (i32.add (local.get $x) (local.get $pa))) (f64x2.mul (local.get $vdt) (local.get $vi))))
            (local.set $vv (f64x2.mul (local.get $vi) (local.get $vi)))
            (local.set $vmax (f64.max (local.get $vmax)
              (f64.add (f64x2.extract_lane 0 (local.get $vv)) (f64x2.extract_lane 1 (local.get $vv)))))))
        (v128.store (local.get $a) (local.get $vi))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $parts)))
    (local.get $vmax))

  ;; The isokinetic thermostat's kinetic-energy sum fused into pass 2 (md.ts runIsokinetic) for particles [i0, i1):
  ;; with the unconstrained on-step velocity u_i = vh_i + h_i F_i,
  ;;   k2 += m_i (u_x u_x + u_y u_y)        (in particle order, from 0; returns this range's k2)
  (func (export "gatherIsokinetic")
    (param $f i32) (param $start i32) (param $tstart i32) (param $tidx i32) (param $g i32) (param $i0 i32) (param $i1 i32) (param $stride i32)
    (param $vh i32) (param $h i32) (param $m i32) (result f64)
    (local $i i32) (local $pa i32) (local $bytes i32) (local $fi v128) (local $u v128) (local $k2 f64)
    (local $t i32) (local $tend i32) (local $k16 i32) (local $end16 i32) (local $neg v128) (local $acc v128)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $i (local.get $i0))
    (block $done
      (loop $parts
        (br_if $done (i32.ge_s (local.get $i) (local.get $i1)))
        (local.set $pa (i32.mul (local.get $i) (local.get $bytes)))
        ;; F_i: ((0 - g[k_1]) - g[k_2]) - ... over the pairs holding i as neighbour (transposed list, indexed by i's
        ;; element offset), plus ((0 + g[r_1]) + g[r_2]) + ... over i's own row
        (local.set $t (i32.shl (i32.load (i32.add (local.get $tstart) (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 2)))) (i32.const 2)))
        (local.set $tend (i32.shl (i32.load offset=4 (i32.add (local.get $tstart) (i32.shl (i32.mul (local.get $i) (local.get $stride)) (i32.const 2)))) (i32.const 2)))
        (local.set $neg (f64x2.splat (f64.const 0)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_s (local.get $t) (local.get $tend)))
            (local.set $neg (f64x2.sub (local.get $neg)
              (v128.load (i32.add (local.get $g) (i32.shl (i32.load (i32.add (local.get $tidx) (local.get $t))) (i32.const 4))))))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $l1)))
        (local.set $k16 (i32.shl (i32.load (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 4)))
        (local.set $end16 (i32.shl (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 4)))
        (local.set $acc (f64x2.splat (f64.const 0)))
        (block $d2
          (loop $l2
            (br_if $d2 (i32.ge_s (local.get $k16) (local.get $end16)))
            (local.set $acc (f64x2.add (local.get $acc) (v128.load (i32.add (local.get $g) (local.get $k16)))))
            (local.set $k16 (i32.add (local.get $k16) (i32.const 16)))
            (br $l2)))
        (local.set $fi (f64x2.add (local.get $neg) (local.get $acc)))
        (v128.store (i32.add (local.get $f) (local.get $pa)) (local.get $fi))
        (local.set $u (f64x2.add (v128.load (i32.add (local.get $vh) (local.get $pa)))
          (f64x2.mul (f64x2.splat (f64.load (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3))))) (local.get $fi))))
        (local.set $u (f64x2.mul (local.get $u) (local.get $u)))
        (local.set $k2 (f64.add (local.get $k2) (f64.mul (f64.load (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3))))
          (f64.add (f64x2.extract_lane 0 (local.get $u)) (f64x2.extract_lane 1 (local.get $u))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $parts)))
    (local.get $k2))

  ;; The transposed inner list: for each particle j, the pairs k in [0, m) whose neighbour is j, in increasing k (a
  ;; stable counting sort of the pairs by neighbour). It is indexed by the neighbour's ELEMENT offset o = stride j, as
  ;; the list holds it (no division): j's pairs are tidx[tstart[o] .. tstart[o + 1]); tstart has `count` + 1 entries
  ;; (count = stride n; offsets that are no particle's hold empty ranges).
  (func (export "transpose") (param $nbr i32) (param $m i32) (param $count i32) (param $tstart i32) (param $tidx i32)
    (local $k i32) (local $o i32) (local $a i32) (local $sum i32) (local $c i32)
    (memory.fill (local.get $tstart) (i32.const 0) (i32.shl (i32.add (local.get $count) (i32.const 1)) (i32.const 2)))
    ;; counts, shifted by one: tstart[o + 1] = number of pairs with neighbour offset o
    (local.set $k (i32.const 0))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_s (local.get $k) (local.get $m)))
      (local.set $a (i32.add (local.get $tstart)
        (i32.shl (i32.add (i32.load (i32.add (local.get $nbr) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l1)))
    ;; prefix sums: tstart[o] = first slot of offset o
    (local.set $o (i32.const 1))
    (block $d2 (loop $l2
      (br_if $d2 (i32.gt_s (local.get $o) (local.get $count)))
      (local.set $a (i32.add (local.get $tstart) (i32.shl (local.get $o) (i32.const 2))))
      (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $a))))
      (i32.store (local.get $a) (local.get $sum))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $l2)))
    ;; fill, using tstart[o] as o's cursor (it ends at o's end = tstart[o + 1]) ...
    (local.set $k (i32.const 0))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_s (local.get $k) (local.get $m)))
      (local.set $a (i32.add (local.get $tstart) (i32.shl (i32.load (i32.add (local.get $nbr) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 2))))
      (local.set $c (i32.load (local.get $a)))
      (i32.store (i32.add (local.get $tidx) (i32.shl (local.get $c) (i32.const 2))) (local.get $k))
      (i32.store (local.get $a) (i32.add (local.get $c) (i32.const 1)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l3)))
    ;; ... so shift the cursors back up one slot: tstart[o] = (end of o - 1) = start of o
    (local.set $o (local.get $count))
    (block $d4 (loop $l4
      (br_if $d4 (i32.le_s (local.get $o) (i32.const 0)))
      (local.set $a (i32.add (local.get $tstart) (i32.shl (local.get $o) (i32.const 2))))
      (i32.store (local.get $a) (i32.load (i32.sub (local.get $a) (i32.const 4))))
      (local.set $o (i32.sub (local.get $o) (i32.const 1)))
      (br $l4)))
    (i32.store (local.get $tstart) (i32.const 0)))

  ;; The first half of a velocity-Verlet step on its own (md.ts runNve2): v_i += h_i F_i; x_i += dt v_i for particles
  ;; [i0, i1); returns max |v_i|^2 over them.
  (func (export "kickDrift")
    (param $x i32) (param $v i32) (param $f i32) (param $h i32) (param $i0 i32) (param $i1 i32) (param $stride i32) (param $dt f64)
    (result f64)
    (local $i i32) (local $pa i32) (local $bytes i32) (local $vi v128) (local $vv v128) (local $vdt v128) (local $vmax f64)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $vdt (f64x2.splat (local.get $dt)))
    (local.set $i (local.get $i0))
    (block $done
      (loop $parts
        (br_if $done (i32.ge_s (local.get $i) (local.get $i1)))
        (local.set $pa (i32.mul (local.get $i) (local.get $bytes)))
        (local.set $vi (f64x2.add (v128.load (i32.add (local.get $v) (local.get $pa)))
          (f64x2.mul (f64x2.splat (f64.load (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3)))))
            (v128.load (i32.add (local.get $f) (local.get $pa))))))
        (v128.store (i32.add (local.get $v) (local.get $pa)) (local.get $vi))
        (v128.store (i32.add (local.get $x) (local.get $pa))
          (f64x2.add (v128.load (i32.add (local.get $x) (local.get $pa))) (f64x2.mul (local.get $vdt) (local.get $vi))))
        (local.set $vv (f64x2.mul (local.get $vi) (local.get $vi)))
        (local.set $vmax (f64.max (local.get $vmax) (f64.add (f64x2.extract_lane 0 (local.get $vv)) (f64x2.extract_lane 1 (local.get $vv)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $parts)))
    (local.get $vmax))

  ;; The isokinetic drift (md.ts runIsokinetic) for particles [i0, i1), with c = 2 beta - 1, bdt = beta dt:
  ;;   w_i = bdt (unit masses) or bdt / m_i;  vh_i = c vh_i + w_i F_i;  x_i += dt vh_i;  returns max |vh_i|^2.
  (func (export "isokineticDrift")
    (param $x i32) (param $vh i32) (param $f i32) (param $m i32) (param $i0 i32) (param $i1 i32) (param $stride i32)
    (param $c f64) (param $bdt f64) (param $unit i32) (param $dt f64) (result f64)
    (local $i i32) (local $pa i32) (local $bytes i32) (local $vi v128) (local $vv v128) (local $vdt v128) (local $vc v128)
    (local $w f64) (local $vmax f64)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $vdt (f64x2.splat (local.get $dt)))
    (local.set $vc (f64x2.splat (local.get $c)))
    (local.set $i (local.get $i0))
    (block $done
      (loop $parts
        (br_if $done (i32.ge_s (local.get $i) (local.get $i1)))
        (local.set $pa (i32.mul (local.get $i) (local.get $bytes)))
        (local.set $w (if (result f64) (local.get $unit)
          (then (local.get $bdt))
          (else (f64.div (local.get $bdt) (f64.load (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3))))))))
        (local.set $vi (f64x2.add (f64x2.mul (local.get $vc) (v128.load (i32.add (local.get $vh) (local.get $pa))))
          (f64x2.mul (f64x2.splat (local.get $w)) (v128.load (i32.add (local.get $f) (local.get $pa))))))
        (v128.store (i32.add (local.get $vh) (local.get $pa)) (local.get $vi))
        (v128.store (i32.add (local.get $x) (local.get $pa))
          (f64x2.add (v128.load (i32.add (local.get $x) (local.get $pa))) (f64x2.mul (local.get $vdt) (local.get $vi))))
        (local.set $vv (f64x2.mul (local.get $vi) (local.get $vi)))
        (local.set $vmax (f64.max (local.get $vmax) (f64.add (f64x2.extract_lane 0 (local.get $vv)) (f64x2.extract_lane 1 (local.get $vv)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $parts)))
    (local.get $vmax))
  ;; ---- the inner Verlet list (forces.ts buildInner, 2D) ------------------------------------------------------------

  ;; Rows [i0, i1) of the inner list from the outer list: an outer pair k of row i (neighbour at element offset o) is
  ;; kept when |d|^2 < orc2[k] with the shift s = (osh[k] + ds_o) - ds_i and d = (x_o - x_i) + s (ds: the Cartesian
  ;; image changes since the outer build, per coordinate); kept pairs with s = (0, 0) are written first (shift +0),
  ;; then those with a shift, each group in outer-list order. Writes start[i], mid[i] and per pair nbr, own (= stride i),
  ;; shx, shy, par (= opar[k]); the output starts at pair w0; returns the pair count after the last row. `tmp` is scratch
  ;; for one row (3 f64 per outer pair of the row). The outputs need one slot of slack (writes are branch-free).
  (func $innerRows (export "innerRows")
    (param $pos i32) (param $ds i32) (param $stride i32) (param $i0 i32) (param $i1 i32)
    (param $ostart i32) (param $onbr i32) (param $osh i32) (param $orc2 i32) (param $opar i32)
    (param $start i32) (param $mid i32) (param $nbr i32) (param $own i32) (param $shx i32) (param $shy i32) (param $par i32)
    (param $tmp i32) (param $w0 i32) (result i32)
    (local $i i32) (local $w i32) (local $k i32) (local $kend i32) (local $b i32) (local $t i32) (local $o i32) (local $oi i32)
    (local $bytes i32) (local $keep i32) (local $plain i32) (local $pi v128) (local $ai v128) (local $sh v128) (local $d v128)
    (local $dd v128) (local $pk f64)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $w (local.get $w0))
    (local.set $i (local.get $i0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $i1)))
        (i32.store (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2))) (local.get $w))
        (local.set $oi (i32.mul (local.get $i) (local.get $stride)))
        (local.set $pi (v128.load (i32.add (local.get $pos) (i32.mul (local.get $i) (local.get $bytes)))))
        (local.set $ai (v128.load (i32.add (local.get $ds) (i32.mul (local.get $i) (local.get $bytes)))))
        (local.set $k (i32.load (i32.add (local.get $ostart) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $kend (i32.load offset=4 (i32.add (local.get $ostart) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b (i32.const 0))
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.ge_s (local.get $k) (local.get $kend)))
            (local.set $o (i32.load (i32.add (local.get $onbr) (i32.shl (local.get $k) (i32.const 2)))))
            ;; s = (osh[k] + ds_o) - ds_i;  d = (x_o - x_i) + s
            (local.set $sh (f64x2.sub
              (f64x2.add (v128.load (i32.add (local.get $osh) (i32.shl (local.get $k) (i32.const 4))))
                         (v128.load (i32.add (local.get $ds) (i32.shl (local.get $o) (i32.const 3)))))
              (local.get $ai)))
            (local.set $d (f64x2.add
              (f64x2.sub (v128.load (i32.add (local.get $pos) (i32.shl (local.get $o) (i32.const 3)))) (local.get $pi))
              (local.get $sh)))
            (local.set $dd (f64x2.mul (local.get $d) (local.get $d)))
            (local.set $keep (f64.lt
              (f64.add (f64x2.extract_lane 0 (local.get $dd)) (f64x2.extract_lane 1 (local.get $dd)))
              (f64.load (i32.add (local.get $orc2) (i32.shl (local.get $k) (i32.const 3))))))
            (local.set $plain (i32.and (f64.eq (f64x2.extract_lane 0 (local.get $sh)) (f64.const 0)) (f64.eq (f64x2.extract_lane 1 (local.get $sh)) (f64.const 0))))
            (local.set $pk (f64.load (i32.add (local.get $opar) (i32.shl (local.get $k) (i32.const 3)))))
            ;; an unshifted kept pair goes straight to slot w
            (i32.store (i32.add (local.get $nbr) (i32.shl (local.get $w) (i32.const 2))) (local.get $o))
            (i32.store (i32.add (local.get $own) (i32.shl (local.get $w) (i32.const 2))) (local.get $oi))
            (f64.store (i32.add (local.get $shx) (i32.shl (local.get $w) (i32.const 3))) (f64.const 0))
            (f64.store (i32.add (local.get $shy) (i32.shl (local.get $w) (i32.const 3))) (f64.const 0))
            (f64.store (i32.add (local.get $par) (i32.shl (local.get $w) (i32.const 3))) (local.get $pk))
            (local.set $w (i32.add (local.get $w) (i32.and (local.get $keep) (local.get $plain))))
            ;; a shifted kept pair waits in tmp: (o, s) as 3 f64 slots: o, sx, sy, and its parameter in a 4th
            (local.set $t (i32.add (local.get $tmp) (i32.shl (local.get $b) (i32.const 5))))
            (i64.store (local.get $t) (i64.extend_i32_u (local.get $o)))
            (f64.store offset=8 (local.get $t) (local.get $pk))
            (v128.store offset=16 (local.get $t) (local.get $sh))
            (local.set $b (i32.add (local.get $b) (i32.and (local.get $keep) (i32.eqz (local.get $plain)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $pairs)))
        (i32.store (i32.add (local.get $mid) (i32.shl (local.get $i) (i32.const 2))) (local.get $w))
        (local.set $t (local.get $tmp))
        (local.set $kend (i32.add (local.get $tmp) (i32.shl (local.get $b) (i32.const 5))))
        (block $shiftedDone
          (loop $shifted
            (br_if $shiftedDone (i32.ge_u (local.get $t) (local.get $kend)))
            (i32.store (i32.add (local.get $nbr) (i32.shl (local.get $w) (i32.const 2))) (i32.wrap_i64 (i64.load (local.get $t))))
            (i32.store (i32.add (local.get $own) (i32.shl (local.get $w) (i32.const 2))) (local.get $oi))
            (f64.store (i32.add (local.get $par) (i32.shl (local.get $w) (i32.const 3))) (f64.load offset=8 (local.get $t)))
            (f64.store (i32.add (local.get $shx) (i32.shl (local.get $w) (i32.const 3))) (f64.load offset=16 (local.get $t)))
            (f64.store (i32.add (local.get $shy) (i32.shl (local.get $w) (i32.const 3))) (f64.load offset=24 (local.get $t)))
            (local.set $w (i32.add (local.get $w) (i32.const 1)))
            (local.set $t (i32.add (local.get $t) (i32.const 32)))
            (br $shifted)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (local.get $w))

  ;; The inner rebuild in chunks of `rows` rows on threads (forces.ts buildInnerWasm with a team). innerChunk builds
  ;; rows [i0, i1) into staging arrays at the chunk's OUTER offset ostart[i0] (a row keeps at most its outer pairs, so
  ;; chunks never overlap), with its own row scratch (tmp + (i0 / rows) tmpBytes); returns the staged end. Then
  ;; compactChunk copies each chunk's staged pairs to dests[c] in the final arrays (the chunks' counts summed in
  ;; order) and shifts its rows' start and mid by the move: the very list the serial innerRows writes.
  (func (export "innerChunk")
    (param $pos i32) (param $ds i32) (param $stride i32) (param $i0 i32) (param $i1 i32)
    (param $ostart i32) (param $onbr i32) (param $osh i32) (param $orc2 i32) (param $opar i32)
    (param $start i32) (param $mid i32) (param $nbr i32) (param $own i32) (param $shx i32) (param $shy i32) (param $par i32)
    (param $tmp i32) (param $rows i32) (param $tmpBytes i32) (result i32)
    (call $innerRows (local.get $pos) (local.get $ds) (local.get $stride) (local.get $i0) (local.get $i1)
      (local.get $ostart) (local.get $onbr) (local.get $osh) (local.get $orc2) (local.get $opar)
      (local.get $start) (local.get $mid) (local.get $nbr) (local.get $own) (local.get $shx) (local.get $shy) (local.get $par)
      (i32.add (local.get $tmp) (i32.mul (i32.div_u (local.get $i0) (local.get $rows)) (local.get $tmpBytes)))
      (i32.load (i32.add (local.get $ostart) (i32.shl (local.get $i0) (i32.const 2))))))

  (func (export "compactChunk")
    (param $i0 i32) (param $i1 i32) (param $rows i32) (param $ostart i32) (param $ends i32) (param $dests i32)
    (param $start i32) (param $mid i32)
    (param $snbr i32) (param $sown i32) (param $sshx i32) (param $sshy i32) (param $spar i32)
    (param $nbr i32) (param $own i32) (param $shx i32) (param $shy i32) (param $par i32)
    (local $c i32) (local $src i32) (local $len i32) (local $dst i32) (local $delta i32) (local $i i32) (local $a i32)
    (local.set $c (i32.shl (i32.div_u (local.get $i0) (local.get $rows)) (i32.const 2)))
    (local.set $src (i32.load (i32.add (local.get $ostart) (i32.shl (local.get $i0) (i32.const 2)))))
    (local.set $len (i32.sub (i32.load (i32.add (local.get $ends) (local.get $c))) (local.get $src)))
    (local.set $dst (i32.load (i32.add (local.get $dests) (local.get $c))))
    (local.set $delta (i32.sub (local.get $dst) (local.get $src)))
    (memory.copy (i32.add (local.get $nbr) (i32.shl (local.get $dst) (i32.const 2)))
      (i32.add (local.get $snbr) (i32.shl (local.get $src) (i32.const 2))) (i32.shl (local.get $len) (i32.const 2)))
    (memory.copy (i32.add (local.get $own) (i32.shl (local.get $dst) (i32.const 2)))
      (i32.add (local.get $sown) (i32.shl (local.get $src) (i32.const 2))) (i32.shl (local.get $len) (i32.const 2)))
    (memory.copy (i32.add (local.get $shx) (i32.shl (local.get $dst) (i32.const 3)))
      (i32.add (local.get $sshx) (i32.shl (local.get $src) (i32.const 3))) (i32.shl (local.get $len) (i32.const 3)))
    (memory.copy (i32.add (local.get $shy) (i32.shl (local.get $dst) (i32.const 3)))
      (i32.add (local.get $sshy) (i32.shl (local.get $src) (i32.const 3))) (i32.shl (local.get $len) (i32.const 3)))
    (memory.copy (i32.add (local.get $par) (i32.shl (local.get $dst) (i32.const 3)))
      (i32.add (local.get $spar) (i32.shl (local.get $src) (i32.const 3))) (i32.shl (local.get $len) (i32.const 3)))
    (local.set $i (local.get $i0))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_s (local.get $i) (local.get $i1)))
        (local.set $a (i32.add (local.get $start) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (local.get $delta)))
        (local.set $a (i32.add (local.get $mid) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (local.get $delta)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsLoop))))
)
