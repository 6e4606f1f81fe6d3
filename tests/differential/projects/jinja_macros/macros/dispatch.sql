{# adapter.dispatch with only a default__ implementation. #}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'jinja_macros')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    case when {{ denominator }} = 0 then null else {{ numerator }} / {{ denominator }} end
{%- endmacro %}

{# adapter.dispatch with both an adapter-specific and a default implementation: duckdb__ wins. #}
{% macro label_for(value) -%}
    {{ return(adapter.dispatch('label_for', 'jinja_macros')(value)) }}
{%- endmacro %}

{% macro default__label_for(value) -%}
    'default:' || {{ value }}
{%- endmacro %}

{% macro duckdb__label_for(value) -%}
    'duckdb:' || {{ value }}
{%- endmacro %}
