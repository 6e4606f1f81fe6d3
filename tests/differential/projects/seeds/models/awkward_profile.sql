-- Row-level facts about the awkward strings: lengths expose trimming, nullness exposes "" vs NULL.
select
    id,
    label,
    length(label) as label_len,
    label is null as label_is_null,
    padded,
    length(padded) as padded_len,
    maybe_empty is null as maybe_empty_is_null,
    maybe_empty = '' as maybe_empty_is_empty_string,
    length(maybe_empty) as maybe_empty_len,
    strpos(label, chr(10)) > 0 as label_has_newline,
    city,
    length(city) as city_chars,
    octet_length(encode(city)) as city_bytes,
    na_text,
    coalesce(cast(qty as varchar), '<null>') as qty_text,
    amount * 2 as amount_doubled,
    flag and true as flag_and_true,
    signup_day + interval 1 day as next_day,
    created_at,
    extract(year from created_at) as created_year
from {{ ref('awkward') }}
