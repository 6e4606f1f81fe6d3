{#- dbt_utils' series helpers and date spine: dispatched in the dbt_utils namespace (so a
    project can override them there), implemented once, by weir's `dbt` namespace. -#}

{% macro get_powers_of_two(upper_bound) -%}
    {{ return(adapter.dispatch('get_powers_of_two', 'dbt_utils')(upper_bound)) }}
{%- endmacro %}

{% macro default__get_powers_of_two(upper_bound) -%}
    {{ return(dbt.get_powers_of_two(upper_bound)) }}
{%- endmacro %}


{% macro generate_series(upper_bound) -%}
    {{ return(adapter.dispatch('generate_series', 'dbt_utils')(upper_bound)) }}
{%- endmacro %}

{% macro default__generate_series(upper_bound) -%}
    {{ return(dbt.generate_series(upper_bound)) }}
{%- endmacro %}


{% macro get_intervals_between(start_date, end_date, datepart) -%}
    {{ return(adapter.dispatch('get_intervals_between', 'dbt_utils')(start_date, end_date, datepart)) }}
{%- endmacro %}

{% macro default__get_intervals_between(start_date, end_date, datepart) -%}
    {{ return(dbt.get_intervals_between(start_date, end_date, datepart)) }}
{%- endmacro %}


{% macro date_spine(datepart, start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'dbt_utils')(datepart, start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(datepart, start_date, end_date) -%}
    {{ return(dbt.date_spine(datepart, start_date, end_date)) }}
{%- endmacro %}
