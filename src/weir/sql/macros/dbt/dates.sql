{#-
    Date and time functions. `datepart` is a bare word (day, week, month...).
    Results match dbt-duckdb, including its Sunday-based week counting.
-#}

{% macro date_trunc(datepart, date) -%}
    {{ return(adapter.dispatch('date_trunc', 'dbt')(datepart, date)) }}
{%- endmacro %}

{% macro default__date_trunc(datepart, date) -%}
    date_trunc('{{ datepart }}', {{ date }})
{%- endmacro %}


{% macro dateadd(datepart, interval, from_date_or_timestamp) -%}
    {{ return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) }}
{%- endmacro %}

{#- `interval` may be a number or any integer expression (a column, a window function...) -#}
{% macro default__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- set unit = datepart | string | lower | trim -%}
    {%- set steps = 'cast(' ~ interval ~ ' as bigint)' -%}
    {%- if unit == 'quarter' -%}
        ({{ from_date_or_timestamp }} + ({{ steps }} * 3) * interval 1 month)
    {%- elif unit == 'week' -%}
        ({{ from_date_or_timestamp }} + ({{ steps }} * 7) * interval 1 day)
    {%- else -%}
        ({{ from_date_or_timestamp }} + {{ steps }} * interval 1 {{ unit }})
    {%- endif -%}
{%- endmacro %}


{% macro datediff(first_date, second_date, datepart) -%}
    {{ return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) }}
{%- endmacro %}

{#-
    Number of `datepart` boundaries crossed going from first_date to second_date
    (negative when second_date is earlier). Weeks start on Sunday.
-#}
{% macro default__datediff(first_date, second_date, datepart) -%}
    {%- set first_ts = 'cast(' ~ first_date ~ ' as timestamp)' -%}
    {%- set second_ts = 'cast(' ~ second_date ~ ' as timestamp)' -%}
    {%- if datepart | string | lower | trim == 'week' -%}
    (
        date_diff('day', {{ first_ts }}, {{ second_ts }}) // 7
        + case
            when dayofweek({{ first_ts }}) <= dayofweek({{ second_ts }})
                then case when {{ first_ts }} <= {{ second_ts }} then 0 else -1 end
            else case when {{ first_ts }} <= {{ second_ts }} then 1 else 0 end
        end
    )
    {%- else -%}
    date_diff('{{ datepart }}', {{ first_ts }}, {{ second_ts }})
    {%- endif -%}
{%- endmacro %}


{% macro last_day(date, datepart) -%}
    {{ return(adapter.dispatch('last_day', 'dbt')(date, datepart)) }}
{%- endmacro %}

{#- the last day (a date) of the `datepart` period that contains `date` -#}
{%- macro default_last_day(date, datepart) -%}
    cast({{ dbt.dateadd('day', '-1', dbt.dateadd(datepart, '1', dbt.date_trunc(datepart, date))) }} as date)
{%- endmacro -%}

{% macro default__last_day(date, datepart) -%}
    {{ dbt.default_last_day(date, datepart) }}
{%- endmacro %}


{% macro date(year, month, day) -%}
    {{ return(adapter.dispatch('date', 'dbt')(year, month, day)) }}
{%- endmacro %}

{% macro default__date(year, month, day) -%}
    make_date({{ year }}, {{ month }}, {{ day }})
{%- endmacro %}


{%- macro current_timestamp() -%}
    {{ return(adapter.dispatch('current_timestamp', 'dbt')()) }}
{%- endmacro -%}

{#- the transaction's start time, with time zone -#}
{% macro default__current_timestamp() -%}
    now()
{%- endmacro %}


{% macro current_timestamp_backcompat() -%}
    {{ return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) }}
{%- endmacro %}

{% macro default__current_timestamp_backcompat() -%}
    current_timestamp::timestamp
{%- endmacro %}


{% macro current_timestamp_in_utc_backcompat() -%}
    {{ return(adapter.dispatch('current_timestamp_in_utc_backcompat', 'dbt')()) }}
{%- endmacro %}

{% macro default__current_timestamp_in_utc_backcompat() -%}
    {{ return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) }}
{%- endmacro %}


{%- macro snapshot_get_time() -%}
    {{ return(adapter.dispatch('snapshot_get_time', 'dbt')()) }}
{%- endmacro -%}

{% macro default__snapshot_get_time() -%}
    cast({{ dbt.current_timestamp() }} as timestamp)
{%- endmacro %}
