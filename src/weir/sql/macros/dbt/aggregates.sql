{#- Aggregate functions. -#}

{% macro any_value(expression) -%}
    {{ return(adapter.dispatch('any_value', 'dbt')(expression)) }}
{%- endmacro %}

{#- some value of the group (may be null), as dbt-duckdb renders it -#}
{% macro default__any_value(expression) -%}
    arbitrary({{ expression }})
{%- endmacro %}


{% macro bool_or(expression) -%}
    {{ return(adapter.dispatch('bool_or', 'dbt')(expression)) }}
{%- endmacro %}

{% macro default__bool_or(expression) -%}
    bool_or({{ expression }})
{%- endmacro %}


{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) -%}
    {{ return(adapter.dispatch('listagg', 'dbt')(measure, delimiter_text, order_by_clause, limit_num)) }}
{%- endmacro %}

{#-
    `order_by_clause` is a full clause such as "order by x desc"; `limit_num`
    keeps only the first n values (after ordering).
-#}
{% macro default__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
    list_aggr(
        (array_agg({{ measure }}{{ ' ' ~ order_by_clause if order_by_clause }}))[1:{{ limit_num }}],
        'string_agg',
        {{ delimiter_text }}
    )
    {%- else -%}
    string_agg({{ measure }}, {{ delimiter_text }}{{ ' ' ~ order_by_clause if order_by_clause }})
    {%- endif -%}
{%- endmacro %}
