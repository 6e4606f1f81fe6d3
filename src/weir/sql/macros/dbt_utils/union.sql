{#-
    union all of several relations over the superset of their columns. A
    column missing from one relation is null there. Each column keeps the type
    it has in the first relation that has it (column_override: {name: type}
    forces one). A first column `_dbt_source_relation` (source_column_name;
    none to leave it out) says where each row came from. include / exclude
    filter the columns by name.
-#}
{% macro union_relations(relations, column_override=none, include=[], exclude=[], source_column_name='_dbt_source_relation', where=none) -%}
    {{ return(adapter.dispatch('union_relations', 'dbt_utils')(relations, column_override, include, exclude, source_column_name, where)) }}
{%- endmacro %}

{% macro default__union_relations(relations, column_override=none, include=[], exclude=[], source_column_name='_dbt_source_relation', where=none) -%}
    {%- if exclude and include -%}
        {{ exceptions.raise_compiler_error("Both an exclude and include list were provided to the `union` macro. Only one is allowed") }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set column_override = column_override if column_override is not none else {} -%}

    {#- per relation: its kept column names; overall: name -> type, in first-seen order -#}
    {%- set relation_columns = [] -%}
    {%- set superset_names = [] -%}
    {%- set superset_types = {} -%}
    {%- for relation in relations -%}
        {%- do dbt_utils.check_relation(relation, 'union_relations') -%}
        {%- do dbt_utils.check_not_ephemeral(relation, 'union_relations') -%}
        {%- set names = [] -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- if exclude and col.column in exclude -%}
            {%- elif include and col.column not in include -%}
            {%- else -%}
                {%- do names.append(col.column) -%}
                {%- if col.column not in superset_types -%}
                    {%- do superset_names.append(col.column) -%}
                    {%- do superset_types.update({col.column: col.data_type}) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do relation_columns.append(names) -%}
    {%- endfor -%}

    {%- if (include | length > 0 or exclude | length > 0) and superset_names | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "There were no columns found to union for relations " ~ (relations | map(attribute='name') | join(', '))
        ) }}
    {%- endif -%}

    {%- for relation in relations %}
    (
        select
            {%- if source_column_name is not none %}
            cast({{ dbt.string_literal(relation) }} as {{ dbt.type_string() }}) as {{ source_column_name }},
            {%- endif %}
            {%- set own = relation_columns[loop.index0] %}
            {%- for name in superset_names %}
            cast({{ adapter.quote(name) if name in own else 'null' }} as {{ column_override.get(name, superset_types[name]) }}) as {{ adapter.quote(name) }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
        {%- if where %}
        where {{ where }}
        {%- endif %}
    )
    {%- if not loop.last %}

    union all
    {% endif -%}
    {%- endfor -%}
{%- endmacro %}
