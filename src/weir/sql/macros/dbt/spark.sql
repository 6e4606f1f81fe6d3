{#-
    Spark versions of the cross-database macros, picked by adapter.dispatch when the
    target is `type: spark` (adapter.type() == 'spark'). Type names are Spark's, as
    dbt-spark renders them. weir's SQL is transpiled to Spark SQL afterwards, so a
    macro only needs a Spark version where the meaning differs.
-#}

{%- macro spark__type_string() -%}
    {{ return('string') }}
{%- endmacro -%}

{%- macro spark__type_timestamp() -%}
    {{ return('timestamp') }}
{%- endmacro -%}

{%- macro spark__type_float() -%}
    {{ return('float') }}
{%- endmacro -%}

{%- macro spark__type_numeric() -%}
    {{ return('decimal(28,6)') }}
{%- endmacro -%}

{%- macro spark__type_bigint() -%}
    {{ return('bigint') }}
{%- endmacro -%}

{%- macro spark__type_int() -%}
    {{ return('int') }}
{%- endmacro -%}

{%- macro spark__type_boolean() -%}
    {{ return('boolean') }}
{%- endmacro -%}

{% macro spark__hash(field) -%}
    md5(cast({{ field }} as string))
{%- endmacro %}

{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- some value of the group (may be null), as dbt-duckdb's `arbitrary`, which Spark lacks -#}
{% macro spark__any_value(expression) -%}
    first({{ expression }})
{%- endmacro %}
