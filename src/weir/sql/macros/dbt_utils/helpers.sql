{#- Small helpers used by the other dbt_utils macros, and dbt_utils' logging helpers. -#}

{#- Raise a readable error when a macro that needs a relation is given a plain string. -#}
{% macro _is_relation(obj, macro) -%}
    {%- if obj is string or obj is none or obj is number -%}
        {{ exceptions.raise_compiler_error(
            "Macro " ~ macro ~ " expected a Relation but received the value: " ~ obj
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- Ephemeral models have no columns to introspect. -#}
{% macro _is_ephemeral(obj, macro) -%}
    {%- if obj is not string and obj.is_cte is defined and obj.is_cte -%}
        {{ exceptions.raise_compiler_error(
            "The " ~ macro ~ " macro cannot be used with ephemeral models, as it relies on "
            ~ "the information schema. `" ~ obj.identifier ~ "` is an ephemeral model."
        ) }}
    {%- endif -%}
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
