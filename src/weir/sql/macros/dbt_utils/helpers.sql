{#- Small helpers used by the other dbt_utils macros, and dbt_utils' logging helpers. -#}

{#-
    Checks on macro arguments. dbt_utils names them _is_relation and
    _is_ephemeral; weir's macros call the public names below, which every
    loader exposes (Jinja does not export top-level names starting with "_").
-#}

{#- a readable error when a macro that needs a relation is given a plain string -#}
{% macro check_relation(obj, macro) -%}
    {%- if obj is string or obj is none or obj is number -%}
        {{ exceptions.raise_compiler_error(
            "Macro " ~ macro ~ " expected a Relation but received the value: " ~ obj
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- ephemeral models have no columns to introspect -#}
{% macro check_not_ephemeral(obj, macro) -%}
    {%- set name = obj.name | string if obj.name is defined else '' -%}
    {%- if obj is not string and ((obj.is_cte is defined and obj.is_cte) or name.startswith('__dbt__cte__')) -%}
        {{ exceptions.raise_compiler_error(
            "The " ~ macro ~ " macro cannot be used with ephemeral models, as it relies on "
            ~ "the information schema. `" ~ name ~ "` is an ephemeral model."
        ) }}
    {%- endif -%}
{%- endmacro %}

{% macro _is_relation(obj, macro) -%}
    {%- do dbt_utils.check_relation(obj, macro) -%}
{%- endmacro %}

{% macro _is_ephemeral(obj, macro) -%}
    {%- do dbt_utils.check_not_ephemeral(obj, macro) -%}
{%- endmacro %}


{#-
    Turn any text into a safe identifier: lower case, runs of spaces/dashes as
    one underscore, only [a-z0-9_] kept, and a leading digit prefixed with "_".
-#}
{% macro slugify(string) -%}
    {%- set text = string | string | lower -%}
    {%- set state = namespace(out='', in_sep=false) -%}
    {%- for ch in text -%}
        {%- if ch in ' -' -%}
            {%- if not state.in_sep -%}{%- set state.out = state.out ~ '_' -%}{%- endif -%}
            {%- set state.in_sep = true -%}
        {%- else -%}
            {%- set state.in_sep = false -%}
            {%- if ch in 'abcdefghijklmnopqrstuvwxyz0123456789_' -%}
                {%- set state.out = state.out ~ ch -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set out = state.out -%}
    {%- if out and out[0] in '0123456789' -%}
        {%- set out = '_' ~ out -%}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}


{% macro pretty_time(format='%H:%M:%S') -%}
    {{ return(modules.datetime.datetime.now().strftime(format)) }}
{%- endmacro %}

{% macro pretty_log_format(message) -%}
    {{ return(dbt_utils.pretty_time() ~ ' + ' ~ message) }}
{%- endmacro %}

{% macro log_info(message) -%}
    {{ log(dbt_utils.pretty_log_format(message), info=True) }}
{%- endmacro %}
