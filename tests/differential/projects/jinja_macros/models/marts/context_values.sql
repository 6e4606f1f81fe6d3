{{ config(materialized='table', tags=['context']) }}
-- depends_on: {{ ref('stg_payments') }}
{#- One row of values that come from the Jinja context rather than from data. -#}
{%- set start = modules.datetime.date(2024, 1, 31) -%}
{%- set later = start + modules.datetime.timedelta(days=30) -%}
{%- set parsed = modules.datetime.datetime.strptime("2024-03-05 06:07:08", "%Y-%m-%d %H:%M:%S") -%}
{%- set cfg = fromjson('{"a": 1, "b": [2, 3]}') -%}
{%- do log("rendering " ~ this.identifier ~ " for target " ~ target.name, info=True) -%}

{%- call statement('payment_stats', fetch_result=True) -%}
    select count(*) as n, max(amount) as max_amount from {{ ref('stg_payments') }}
{%- endcall -%}
{#- The relation this model built in the previous phase, read through {{ this }}. -#}
{%- set existing = load_relation(this) if execute else none -%}
{%- if execute -%}
    {%- set stats = load_result('payment_stats') -%}
    {%- set n_payments = stats['data'][0][0] -%}
    {%- set max_amount = stats['data'][0][1] -%}
{%- else -%}
    {%- set n_payments = -1 -%}
    {%- set max_amount = -1 -%}
{%- endif %}

select
    '{{ target.name }}' as target_name,
    '{{ target.schema }}' as target_schema,
    '{{ this.schema }}' as this_schema,
    '{{ this.identifier }}' as this_identifier,
    '{{ this.name }}' as this_name,
    '{{ var("region") }}' as region_var,
    '{{ var("overridden_var") }}' as overridden_var,
    {{ var("cli_only_var") }} as cli_only_var,
    {{ var("missing_var", 42) }} as defaulted_var,
    '{{ var("missing_string_var", "fallback") }}' as defaulted_string_var,
    {{ var("tax_rate") }} as tax_rate,
    '{{ env_var("WEIR_DIFF_REGION", "unset-region") }}' as env_region,
    '{{ env_var("WEIR_DIFF_UNSET", "env-default") }}' as env_defaulted,
    date '{{ later.isoformat() }}' as start_plus_30,
    '{{ start.strftime("%d/%m/%Y") }}' as start_formatted,
    timestamp '{{ parsed }}' as parsed_ts,
    {{ parsed.year }} as parsed_year,
    {{ cfg['b'] | sum + cfg['a'] }} as json_sum,
    '{{ ["b", "a", "c"] | sort | join("-") }}' as sorted_join,
    '{{ "Mixed Case" | lower | replace(" ", "_") }}' as filtered,
    {{ range(1, 5) | list | sum }} as range_sum,
    {{ n_payments }} as n_payments_at_compile,
    {{ max_amount }} as max_amount_at_compile,
    {{ safe_divide('10', '4') }} as ten_by_four,
    {{ safe_divide('10', '0') }} as ten_by_zero,
    {{ label_for("'x'") }} as dispatched_label,
    {{ (existing is not none) | lower }} as existed_before_run,
    {% if existing is not none %}(select max(n_payments_at_compile) from {{ this }}){% else %}cast(null as integer){% endif %} as previous_n_payments
