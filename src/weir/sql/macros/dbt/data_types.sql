{#-
    Portable type names and casts. The names are the ones dbt-duckdb renders
    (dbt's Column.translate_type), so casts built from them behave the same.
-#}

{%- macro type_string() -%}
    {{ return(adapter.dispatch('type_string', 'dbt')()) }}
{%- endmacro -%}

{%- macro default__type_string() -%}
    {{ return('TEXT') }}
{%- endmacro -%}


{%- macro type_timestamp() -%}
    {{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}
{%- endmacro -%}

{%- macro default__type_timestamp() -%}
    {{ return('timestamp') }}
{%- endmacro -%}


{%- macro type_float() -%}
    {{ return(adapter.dispatch('type_float', 'dbt')()) }}
{%- endmacro -%}

{#- note: on DuckDB `float` is the 4-byte REAL, exactly as dbt-duckdb renders it -#}
{%- macro default__type_float() -%}
    {{ return('float') }}
{%- endmacro -%}


{%- macro type_numeric() -%}
    {{ return(adapter.dispatch('type_numeric', 'dbt')()) }}
{%- endmacro -%}

{%- macro default__type_numeric() -%}
    {{ return('numeric(28,6)') }}
{%- endmacro -%}


{%- macro type_bigint() -%}
    {{ return(adapter.dispatch('type_bigint', 'dbt')()) }}
{%- endmacro -%}

{%- macro default__type_bigint() -%}
    {{ return('bigint') }}
{%- endmacro -%}


{%- macro type_int() -%}
    {{ return(adapter.dispatch('type_int', 'dbt')()) }}
{%- endmacro -%}

{%- macro default__type_int() -%}
    {{ return('integer') }}
{%- endmacro -%}


{%- macro type_boolean() -%}
    {{ return(adapter.dispatch('type_boolean', 'dbt')()) }}
{%- endmacro -%}

{%- macro default__type_boolean() -%}
    {{ return('boolean') }}
{%- endmacro -%}


{% macro cast(field, type) -%}
    {{ return(adapter.dispatch('cast', 'dbt')(field, type)) }}
{%- endmacro %}

{% macro default__cast(field, type) -%}
    cast({{ field }} as {{ type }})
{%- endmacro %}


{% macro safe_cast(field, type) -%}
    {{ return(adapter.dispatch('safe_cast', 'dbt')(field, type)) }}
{%- endmacro %}

{#- null instead of an error when the value does not convert -#}
{% macro default__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}


{% macro cast_bool_to_text(field) -%}
    {{ return(adapter.dispatch('cast_bool_to_text', 'dbt')(field)) }}
{%- endmacro %}

{% macro default__cast_bool_to_text(field) -%}
    cast({{ field }} as {{ dbt.type_string() }})
{%- endmacro %}
