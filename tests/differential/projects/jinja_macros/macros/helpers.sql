{# return() of a non-string value. #}
{% macro payment_methods() %}
    {{ return(var('payment_methods')) }}
{% endmacro %}

{# run_query guarded by execute: the distinct values of a column, at run time. #}
{% macro column_values(relation, column) %}
    {% set query %}
        select distinct {{ column }} from {{ relation }} order by 1
    {% endset %}
    {% if execute %}
        {% set results = run_query(query) %}
        {% do log("column_values(" ~ column ~ "): " ~ results.columns[0].values() | join(","), info=False) %}
        {{ return(results.columns[0].values() | list) }}
    {% else %}
        {{ return([]) }}
    {% endif %}
{% endmacro %}

{# Every column of a relation but some, via the adapter's catalog. #}
{% macro star_except(relation, except=[]) %}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set lowered = except | map('lower') | list -%}
    {%- set cols = [] -%}
    {%- for col in adapter.get_columns_in_relation(relation) -%}
        {%- if col.name | lower not in lowered -%}{%- do cols.append(col.quoted) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(cols | join(', ')) }}
{% endmacro %}

{# A macro taking a caller block. #}
{% macro as_cte(name) -%}
    {{ name }} as (
        {{ caller() }}
    )
{%- endmacro %}

{% macro never_called() %}
    {{ exceptions.raise_compiler_error("this macro must never be rendered") }}
{% endmacro %}
