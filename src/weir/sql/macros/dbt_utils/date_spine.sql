{#- Integer series and date spines (dbt_utils' own copies of these helpers). -#}

{% macro get_powers_of_two(upper_bound) -%}
    {{ return(adapter.dispatch('get_powers_of_two', 'dbt_utils')(upper_bound)) }}
{%- endmacro %}

{#- smallest n >= 1 with 2^n >= upper_bound -#}
{% macro default__get_powers_of_two(upper_bound) -%}
    {%- if upper_bound <= 0 -%}
        {{ exceptions.raise_compiler_error("upper bound must be positive") }}
    {%- endif -%}
    {%- for n in range(1, 100) -%}
        {%- if upper_bound <= 2 ** n -%}
            {{ return(n) }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{% macro generate_series(upper_bound) -%}
    {{ return(adapter.dispatch('generate_series', 'dbt_utils')(upper_bound)) }}
{%- endmacro %}

{#- one row per integer 1..upper_bound, in a column named generated_number -#}
{% macro default__generate_series(upper_bound) %}
    select generate_series as generated_number
    from generate_series(1, cast({{ upper_bound }} as bigint))
{% endmacro %}


{% macro get_intervals_between(start_date, end_date, datepart) -%}
    {{ return(adapter.dispatch('get_intervals_between', 'dbt_utils')(start_date, end_date, datepart)) }}
{%- endmacro %}

{#- datediff(start_date, end_date) computed by the database; 1 while parsing -#}
{% macro default__get_intervals_between(start_date, end_date, datepart) -%}
    {%- set result = run_query('select ' ~ dbt.datediff(start_date, end_date, datepart)) if execute else none -%}
    {%- if result is not none and result.rows | length > 0 -%}
        {{ return(result.rows[0][0]) }}
    {%- else -%}
        {{ return(1) }}
    {%- endif -%}
{%- endmacro %}


{#-
    One row per `datepart` step from start_date (included) up to end_date
    (excluded), in a column named date_<datepart>. Both dates are SQL
    expressions, e.g. "cast('2020-01-01' as date)".
-#}
{% macro date_spine(datepart, start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'dbt_utils')(datepart, start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(datepart, start_date, end_date) %}
with rawdata as (
    {{ dbt_utils.generate_series(dbt_utils.get_intervals_between(start_date, end_date, datepart)) }}
),

all_periods as (
    select (
        {{ dbt.dateadd(datepart, 'generated_number - 1', start_date) }}
    ) as date_{{ datepart }}
    from rawdata
),

filtered as (
    select *
    from all_periods
    where date_{{ datepart }} <= {{ end_date }}
)

select * from filtered
{% endmacro %}
