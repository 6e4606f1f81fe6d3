{#- Array (DuckDB list) functions. -#}

{% macro array_construct(inputs=[], data_type='integer') -%}
    {{ return(adapter.dispatch('array_construct', 'dbt')(inputs, data_type)) }}
{%- endmacro %}

{#- all inputs share one type; an empty list is typed by `data_type` -#}
{% macro default__array_construct(inputs, data_type) -%}
    {%- if inputs | length > 0 -%}
    array[{{ inputs | join(', ') }}]
    {%- else -%}
    cast(array[] as {{ data_type }}[])
    {%- endif -%}
{%- endmacro %}


{% macro array_append(array, new_element) -%}
    {{ return(adapter.dispatch('array_append', 'dbt')(array, new_element)) }}
{%- endmacro %}

{% macro default__array_append(array, new_element) -%}
    list_append({{ array }}, {{ new_element }})
{%- endmacro %}


{% macro array_concat(array_1, array_2) -%}
    {{ return(adapter.dispatch('array_concat', 'dbt')(array_1, array_2)) }}
{%- endmacro %}

{% macro default__array_concat(array_1, array_2) -%}
    list_concat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}
