{#- Column lists built from a relation's columns. -#}

{#- Column names of `from`, minus those in `except` (compared case-insensitively). -#}
{% macro get_filtered_columns_in_relation(from, except=[]) -%}
    {{ return(adapter.dispatch('get_filtered_columns_in_relation', 'dbt_utils')(from, except)) }}
{%- endmacro %}

{% macro default__get_filtered_columns_in_relation(from, except=[]) -%}
    {%- do dbt_utils.check_relation(from, 'get_filtered_columns_in_relation') -%}
    {%- do dbt_utils.check_not_ephemeral(from, 'get_filtered_columns_in_relation') -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set excluded = except | map('lower') | list -%}
    {%- set kept = [] -%}
    {%- for col in adapter.get_columns_in_relation(from) -%}
        {%- if col.column | lower not in excluded -%}
            {%- do kept.append(col.column) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(kept) }}
{%- endmacro %}


{#-
    Comma-separated select list of the columns of `from`, optionally qualified
    with `relation_alias`, renamed with `prefix`/`suffix`. While parsing
    (execute is false) it renders `*`.
-#}
{% macro star(from, relation_alias=False, except=[], prefix='', suffix='', quote_identifiers=True) -%}
    {{ return(adapter.dispatch('star', 'dbt_utils')(from, relation_alias, except, prefix, suffix, quote_identifiers)) }}
{%- endmacro %}

{% macro default__star(from, relation_alias=False, except=[], prefix='', suffix='', quote_identifiers=True) -%}
    {%- do dbt_utils.check_relation(from, 'star') -%}
    {%- do dbt_utils.check_not_ephemeral(from, 'star') -%}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set cols = dbt_utils.get_filtered_columns_in_relation(from, except) -%}
    {%- if cols | length == 0 -%}
        {%- if flags is defined and flags.WHICH == 'compile' -%}
            {{ return('*\n/* star() found no columns (the relation may not exist yet); `*` keeps this compiled SQL valid */') }}
        {%- endif -%}
        {{ return('/* no columns returned from star() macro */') }}
    {%- endif -%}
    {%- set items = [] -%}
    {%- for col in cols -%}
        {%- set qualifier = relation_alias ~ '.' if relation_alias else '' -%}
        {%- set renamed = (prefix ~ col ~ suffix) | trim -%}
        {%- if quote_identifiers -%}
            {%- set item = qualifier ~ (adapter.quote(col) | trim) -%}
            {%- set alias = adapter.quote(renamed) | trim -%}
        {%- else -%}
            {%- set item = qualifier ~ (col | trim) -%}
            {%- set alias = renamed -%}
        {%- endif -%}
        {%- if prefix != '' or suffix != '' -%}
            {%- set item = item ~ ' as ' ~ alias -%}
        {%- endif -%}
        {%- do items.append(item) -%}
    {%- endfor -%}
    {{ return(items | join(',\n    ')) }}
{%- endmacro %}
