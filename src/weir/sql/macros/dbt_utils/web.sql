{#- Parsing URLs held in text columns. -#}

{#- value of ?name=... (null when absent or empty) -#}
{% macro get_url_parameter(field, url_parameter) -%}
    {{ return(adapter.dispatch('get_url_parameter', 'dbt_utils')(field, url_parameter)) }}
{%- endmacro %}

{% macro default__get_url_parameter(field, url_parameter) -%}
    {%- set after_name = dbt.split_part(field, "'" ~ url_parameter ~ "='", 2) -%}
    nullif({{ dbt.split_part(after_name, "'&'", 1) }}, '')
{%- endmacro %}


{#- host part: scheme (http, https, android-app) removed, up to the first / or ? -#}
{% macro get_url_host(field) -%}
    {{ return(adapter.dispatch('get_url_host', 'dbt_utils')(field)) }}
{%- endmacro %}

{% macro default__get_url_host(field) -%}
    {%- set no_scheme = dbt.replace(dbt.replace(dbt.replace(field, "'android-app://'", "''"), "'http://'", "''"), "'https://'", "''") -%}
    {%- set host = dbt.split_part(dbt.split_part(no_scheme, "'/'", 1), "'?'", 1) -%}
    {{ dbt.safe_cast(host, dbt.type_string()) }}
{%- endmacro %}


{#- path after the host, without the leading / and without the query string -#}
{% macro get_url_path(field) -%}
    {{ return(adapter.dispatch('get_url_path', 'dbt_utils')(field)) }}
{%- endmacro %}

{% macro default__get_url_path(field) -%}
    {%- set no_scheme = dbt.replace(dbt.replace(field, "'http://'", "''"), "'https://'", "''") -%}
    {%- set first_slash -%}
        coalesce(nullif({{ dbt.position("'/'", no_scheme) }}, 0), {{ dbt.position("'?'", no_scheme) }} - 1)
    {%- endset -%}
    {%- set after_host = dbt.right(no_scheme, dbt.length(no_scheme) ~ ' - ' ~ first_slash) -%}
    {{ dbt.safe_cast(dbt.split_part(after_host, "'?'", 1), dbt.type_string()) }}
{%- endmacro %}
