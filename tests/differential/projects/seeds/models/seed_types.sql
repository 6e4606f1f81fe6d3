{#- One row per (seed, column) with DuckDB's typeof(): pins the seed column types
    (the left join keeps one row, typed, even for an empty seed). -#}
{%- set seeds = {
  'awkward': ['id', 'label', 'padded', 'flag', 'qty', 'amount', 'neg', 'small_int', 'signup_day', 'created_at',
              'iso_ts', 'mixed_ts', 'zip_code', 'zip_plain', 'city', 'maybe_empty', 'all_empty', 'sci',
              'mixed_int_float', 'pct', 'na_text', 'yes_no', 'one_zero'],
  'awkward_typed': ['id', 'label', 'padded', 'flag', 'qty', 'amount', 'neg', 'big_int', 'signup_day', 'created_at',
              'iso_ts', 'mixed_ts', 'zip_code', 'zip_plain', 'city', 'maybe_empty', 'all_empty', 'sci',
              'mixed_int_float', 'pct', 'na_text', 'yes_no', 'one_zero'],
  'quoted_columns': ['"Order ID"', '"Customer Name"', '"select"', '"CamelCase"', '"trailing space "'],
  'semicolons': ['k', 'v', 'note'],
  'countries': ['code', 'name', 'population_m', 'is_eu'],
  'header_only': ['a', 'b', 'c'],
} -%}
{%- for seed_name, columns in seeds.items() %}
{%- for col in columns %}
select '{{ seed_name }}' as seed_name, {{ loop.index }} as position, '{{ col | replace('"', '') }}' as column_name,
       (select typeof(t.{{ col }}) from (select 1 as one) as d left join {{ ref(seed_name) }} as t on true limit 1) as duckdb_type
{%- if not loop.last %} union all {% endif %}
{%- endfor %}
{%- if not loop.last %} union all {% endif %}
{%- endfor %}
