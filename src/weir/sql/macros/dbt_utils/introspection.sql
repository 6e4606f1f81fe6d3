{#- Macros that query the database while rendering (they return Jinja values, not SQL). -#}

{#-
    Distinct values of `column` in `table`, most frequent first by default.
    While parsing it returns `default` (or []). When the relation does not
    exist it returns `default`, or fails if no default was given.
-#}
{% macro get_column_values(table, column, order_by='count(*) desc', max_records=none, default=none, where=none) -%}
    {{ return(adapter.dispatch('get_column_values', 'dbt_utils')(table, column, order_by, max_records, default, where)) }}
{%- endmacro %}

{% macro default__get_column_values(table, column, order_by='count(*) desc', max_records=none, default=none, where=none) -%}
    {%- if not execute -%}
        {{ return(default if default else []) }}
    {%- endif -%}
    {%- do dbt_utils.check_not_ephemeral(table, 'get_column_values') -%}

    {%- if table is string -%}
        {%- set exists = true -%}
    {%- elif load_relation is defined -%}
        {%- set exists = load_relation(table) is not none -%}
    {%- else -%}
        {%- set exists = adapter.get_relation(database=table.database, schema=table.schema, identifier=table.identifier) is not none -%}
    {%- endif -%}
    {%- if not exists -%}
        {%- if default is none -%}
            {{ exceptions.raise_compiler_error("In get_column_values(): relation " ~ table ~ " does not exist and no default value was provided.") }}
        {%- endif -%}
        {{ log("Relation " ~ table ~ " does not exist. Returning the default value: " ~ default) }}
        {{ return(default) }}
    {%- endif -%}

    {%- set query -%}
        select {{ column }} as value
        from {{ table }}
        {%- if where is not none %}
        where {{ where }}
        {%- endif %}
        group by {{ column }}
        order by {{ order_by }}
        {%- if max_records is not none %}
        limit {{ max_records }}
        {%- endif %}
    {%- endset -%}
    {%- set result = run_query(query) -%}
    {%- if result is not none and result.rows | length > 0 -%}
        {{ return(result.columns[0].values() | list) }}
    {%- else -%}
        {{ return(default) }}
    {%- endif -%}
{%- endmacro %}


{#- First column of the first row of a query; `default` when it returns no rows or while parsing. -#}
{% macro get_single_value(sql_statement, default=none) -%}
    {{ return(adapter.dispatch('get_single_value', 'dbt_utils')(sql_statement, default)) }}
{%- endmacro %}

{% macro default__get_single_value(sql_statement, default=none) -%}
    {%- if not execute -%}
        {{ return(default) }}
    {%- endif -%}
    {%- set result = run_query(sql_statement) -%}
    {%- if result is none or result.rows | length == 0 -%}
        {{ return(default) }}
    {%- endif -%}
    {{ return(result.rows[0][0]) }}
{%- endmacro %}


{#- {column name: values} for the result of a query; {} while parsing. -#}
{% macro get_query_results_as_dict(query) -%}
    {{ return(adapter.dispatch('get_query_results_as_dict', 'dbt_utils')(query)) }}
{%- endmacro %}

{% macro default__get_query_results_as_dict(query) -%}
    {%- set results = {} -%}
    {%- if execute -%}
        {%- set table = run_query(query) -%}
        {%- if table is not none -%}
            {%- for name in table.column_names -%}
                {%- do results.update({name: table.columns[loop.index0].values()}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(results) }}
{%- endmacro %}
