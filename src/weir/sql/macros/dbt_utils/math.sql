{#- Null-safe arithmetic and other SQL snippets. -#}

{#- sum of the fields, a null field counting as 0 -#}
{% macro safe_add(field_list) -%}
    {{ return(adapter.dispatch('safe_add', 'dbt_utils')(field_list)) }}
{%- endmacro %}

{% macro default__safe_add(field_list) -%}
    {%- if field_list is not iterable or field_list is string or field_list is mapping -%}
        {{ exceptions.raise_compiler_error("safe_add takes a single list of fields, e.g. safe_add(['a', 'b'])") }}
    {%- endif -%}
    {%- set terms = [] -%}
    {%- for field in field_list -%}
        {%- do terms.append('coalesce(' ~ field ~ ', 0)') -%}
    {%- endfor -%}
    {{ terms | join(' +\n    ') }}
{%- endmacro %}


{#- first field minus the others, a null field counting as 0 -#}
{% macro safe_subtract(field_list) -%}
    {{ return(adapter.dispatch('safe_subtract', 'dbt_utils')(field_list)) }}
{%- endmacro %}

{% macro default__safe_subtract(field_list) -%}
    {%- if field_list is not iterable or field_list is string or field_list is mapping -%}
        {{ exceptions.raise_compiler_error("safe_subtract takes a single list of fields, e.g. safe_subtract(['a', 'b'])") }}
    {%- endif -%}
    {%- set terms = [] -%}
    {%- for field in field_list -%}
        {%- do terms.append('coalesce(' ~ field ~ ', 0)') -%}
    {%- endfor -%}
    {{ terms | join(' -\n    ') }}
{%- endmacro %}


{#- null instead of a division by zero -#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'dbt_utils')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    ({{ numerator }}) / nullif(({{ denominator }}), 0)
{%- endmacro %}


{#- `group by 1,2,...,n` -#}
{% macro group_by(n) -%}
    {{ return(adapter.dispatch('group_by', 'dbt_utils')(n)) }}
{%- endmacro %}

{% macro default__group_by(n) -%}
    group by {{ range(1, n + 1) | join(',') }}
{%- endmacro %}


{#- great-circle distance between two points given in degrees, in miles ('mi') or kilometres ('km') -#}
{% macro haversine_distance(lat1, lon1, lat2, lon2, unit='mi') -%}
    {{ return(adapter.dispatch('haversine_distance', 'dbt_utils')(lat1, lon1, lat2, lon2, unit)) }}
{%- endmacro %}

{% macro default__haversine_distance(lat1, lon1, lat2, lon2, unit='mi') -%}
    {%- if unit == 'mi' -%}
        {%- set factor = '' -%}
    {%- elif unit == 'km' -%}
        {%- set factor = ' * 1.60934' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unit input must be one of 'mi' or 'km'. Got " ~ unit) }}
    {%- endif -%}
    2 * 3961 * asin(sqrt(
        power(sin(radians(({{ lat2 }} - {{ lat1 }}) / 2)), 2)
        + cos(radians({{ lat1 }})) * cos(radians({{ lat2 }}))
        * power(sin(radians(({{ lon2 }} - {{ lon1 }}) / 2)), 2)
    )){{ factor }}
{%- endmacro %}
