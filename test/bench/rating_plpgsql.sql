-- cbl rating benchmark: the same card in plain PL/pgSQL (test/bench/rating.sh).
--
-- A straightforward implementation, as one would write it without cbl: the
-- card's data in tables (rating_data.sql), one function per shipment that
-- walks the jsonb with the jsonb operators, looks the zone, the remote area
-- and the price row up with indexed queries, and computes in numeric.  It
-- follows the same rules as the card it is compared with: chargeable weight
-- per consignment, the first price row covering the weight or the last row
-- plus additional steps, minimums, each line rounded half-even to cents,
-- fuel on transport plus remote area, discounts last.

-- x rounded half-even to cents (round(numeric) rounds ties away from zero).
CREATE FUNCTION bench_rating.cents(x numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN abs(x * 100 - trunc(x * 100)) = 0.5 AND trunc(x * 100) % 2 = 0
              THEN trunc(x, 2) ELSE round(x, 2) END
$$;

CREATE FUNCTION bench_rating.rate_plpgsql(s jsonb, on_date date) RETURNS numeric
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  p bench_rating.param;
  dest text := s ->> 'destination';
  pc text := regexp_replace(upper(coalesce(s ->> 'postcode', '')), '[^A-Z0-9]', '', 'g');
  v_zone text;
  remote boolean;
  piece jsonb;
  n integer;
  actual numeric := 0;
  volume numeric := 0;
  oversize integer := 0;
  cw numeric;
  r bench_rating.rate_row;
  a bench_rating.zone_additional;
  frt numeric;
  ras numeric := 0;
  fsc numeric;
  total numeric;
  lines integer := coalesce((s ->> 'customs_lines')::integer, 0);
  tier text := s ->> 'tier';
BEGIN
  SELECT * INTO STRICT p FROM bench_rating.param;
  SELECT zc.zone INTO v_zone FROM bench_rating.zone_country zc WHERE zc.country = dest;
  v_zone := coalesce(v_zone, '7');
  remote := EXISTS (SELECT FROM bench_rating.remote_area ra
                     WHERE ra.country = dest AND pc LIKE ra.prefix || '%');

  -- chargeable weight, per consignment
  FOR piece IN SELECT e FROM jsonb_array_elements(s -> 'pieces') AS e LOOP
    n := coalesce((piece ->> 'count')::integer, 1);
    actual := actual + (piece ->> 'weight_kg')::numeric * n;
    IF piece ? 'length_cm' THEN
      volume := volume + (piece ->> 'length_cm')::numeric * (piece ->> 'width_cm')::numeric
                         * (piece ->> 'height_cm')::numeric * n;
    END IF;
    IF (piece ->> 'weight_kg')::numeric > p.owp_over_kg
       OR greatest((piece ->> 'length_cm')::numeric, (piece ->> 'width_cm')::numeric,
                   (piece ->> 'height_cm')::numeric) > p.owp_over_cm THEN
      oversize := oversize + n;
    END IF;
  END LOOP;
  cw := ceil(greatest(actual, volume / p.divisor) / p.step) * p.step;

  -- freight: the first row covering the weight, or the last plus additional steps
  SELECT * INTO r FROM bench_rating.rate_row rr
   WHERE rr.zone = v_zone AND rr.up_to >= cw ORDER BY rr.up_to LIMIT 1;
  IF FOUND THEN
    frt := CASE WHEN r.per_kg THEN cw * r.price ELSE r.price END;
  ELSE
    SELECT * INTO r FROM bench_rating.rate_row rr
     WHERE rr.zone = v_zone ORDER BY rr.up_to DESC LIMIT 1;
    SELECT * INTO a FROM bench_rating.zone_additional za WHERE za.zone = v_zone;
    frt := CASE WHEN r.per_kg THEN r.up_to * r.price ELSE r.price END
           + ceil((cw - r.up_to) / a.every) * a.price;
  END IF;
  frt := bench_rating.cents(frt);
  total := frt;

  IF remote THEN
    ras := bench_rating.cents(greatest(cw * p.ras_per_kg, p.ras_minimum));
    total := total + ras;
  END IF;
  IF oversize > 0 THEN
    total := total + bench_rating.cents(oversize * p.owp_per_piece);
  END IF;
  fsc := bench_rating.cents((frt + ras) * p.fsc_percent / 100);
  IF frt + ras <> 0 THEN
    total := total + fsc;
  END IF;
  IF s -> 'flags' ? 'dangerous_goods' THEN
    total := total + p.dgr;
  END IF;
  IF s -> 'flags' ? 'residential' AND v_zone = '4' THEN
    total := total + p.res;
  END IF;
  IF v_zone IN ('4', '5', '6', '7') THEN
    total := total + p.cus + bench_rating.cents(lines * p.cul);
  END IF;
  IF tier = 'silver' THEN
    total := total - bench_rating.cents(frt * p.silver_percent / 100);
  ELSIF tier = 'gold' THEN
    total := total - bench_rating.cents(frt * p.gold_percent / 100)
                   - bench_rating.cents(fsc * p.gold_fsc_percent / 100);
  END IF;
  RETURN total;
END
$$;
